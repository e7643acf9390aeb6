from alphacheck.cli.main import cli

cli()
