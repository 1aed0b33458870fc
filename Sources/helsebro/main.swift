import HelsebroCLI

HelsebroCommand.runMain()
