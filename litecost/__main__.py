from litecost.cli.main import main

main()
