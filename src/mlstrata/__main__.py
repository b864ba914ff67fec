import gc

gc.disable()  # until the command's app is built (mlstrata.cli.main): importing the CLI collects nothing useful

from mlstrata.cli import main  # noqa: E402

main()
