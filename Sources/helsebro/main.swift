import HelsebroCLI
HelsebroCommand.main()
