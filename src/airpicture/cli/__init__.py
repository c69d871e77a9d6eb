"""The command-line door (Typer + Rich). Calls the pipeline and the store, nothing else."""
