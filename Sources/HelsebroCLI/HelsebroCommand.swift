import ArgumentParser
public struct HelsebroCommand: ParsableCommand { public init() {} ; public func run() {} }
