"""`python -m regimencalc` runs the command line."""

from regimencalc.cli import main

main()
