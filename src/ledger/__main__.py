from ledger.cli.entry import main

main()
