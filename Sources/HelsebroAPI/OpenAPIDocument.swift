import Foundation

/// The OpenAPI document of the non-FHIR endpoints (`openapi.yaml` in this folder), served at `/openapi.yaml`.
enum OpenAPIDocument {
    static let text: String = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
            let data = try? Data(contentsOf: url)
        else { return "openapi: 3.0.3\ninfo: {title: Helsebro, version: 0.1.0}\npaths: {}\n" }
        return String(decoding: data, as: UTF8.self)
    }()
}
