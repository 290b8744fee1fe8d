from classifier.cli import main

main(prog_name="calfcheck")
