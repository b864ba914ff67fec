from mlstrata.cli import main

main()
