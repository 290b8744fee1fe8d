"""The ``calfcheck`` command line: each command is a thin wrapper around a library function."""

from __future__ import annotations

import logging

import click

from classifier.cli.classify import classify_cmd
from classifier.cli.evaluate import evaluate_cmd
from classifier.cli.generate import generate_cmd
from classifier.cli.info import info_cmd
from classifier.cli.train import train_cmd

NOT_A_DIAGNOSIS = ("calfcheck is not a diagnosis. If your calf is swollen, warm or red, or you are short of "
                   "breath or have chest pain, see a doctor now; in an emergency call your local emergency number.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=NOT_A_DIAGNOSIS)
@click.option("-v", "--verbose", is_flag=True, help="Log progress details to stderr.")
def main(verbose: bool) -> None:
    """Which calf condition does a runner's description sound like, and why.

    \b
    Examples:
      calfcheck classify -t "my calf seized up at mile 20"
      calfcheck classify notes/*.txt --format jsonl -o results.jsonl
      calfcheck classify export.jsonl --text-field body --format csv
    """
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="calfcheck: %(message)s")


for cmd in (classify_cmd, generate_cmd, train_cmd, evaluate_cmd, info_cmd):
    main.add_command(cmd)
