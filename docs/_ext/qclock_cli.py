"""Sphinx directive ``.. qclock-cli::``: the reference of every ``qclock`` subcommand.

The page is generated from the parser the command itself uses
(:func:`qclock_circuits.cli.main.build_parser`), so the documented options can
never drift from the real ones: for the top-level command and each subcommand
(recursively, e.g. ``qclock protocol show``) it renders a section with the
description, the usage line, the positional arguments and the options with
their metavar, choices, default and help text.
"""

from __future__ import annotations

import argparse

from docutils import nodes
from docutils.parsers.rst import Directive

__all__ = ["QClockCLIDirective", "setup"]


def _subparsers(parser: argparse.ArgumentParser) -> list[tuple[str, argparse.ArgumentParser]]:
    """The (name, parser) pairs of ``parser``'s subcommands, in registration order."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found.extend(action.choices.items())
    return found


def _option_term(action: argparse.Action, formatter: argparse.HelpFormatter) -> str:
    """``--atoms N`` / ``-h, --help`` / ``kind`` as argparse's help shows it."""
    return formatter._format_action_invocation(action)


def _option_help(action: argparse.Action, formatter: argparse.HelpFormatter) -> str:
    """The help text with ``%(default)s`` expanded, plus choices and default where argparse hides them."""
    text = formatter._expand_help(action) if action.help else ""
    extras = []
    if action.choices is not None and not isinstance(action, argparse._SubParsersAction):
        choices = ", ".join(str(choice) for choice in action.choices)
        if choices not in text:
            extras.append(f"choices: {choices}")
    shows_default = "%(default)" in (action.help or "")
    if (action.option_strings and not shows_default and action.default not in (None, False, argparse.SUPPRESS)
            and action.nargs != 0):
        extras.append(f"default: {action.default}")
    if action.required and action.option_strings:
        extras.append("required")
    if extras:
        text = f"{text} ({'; '.join(extras)})" if text else "; ".join(extras).capitalize()
    return text


def _section(prog: str, parser: argparse.ArgumentParser, help_text: str | None) -> nodes.section:
    section = nodes.section(ids=[nodes.make_id(prog.replace(" ", "-"))], names=[nodes.fully_normalize_name(prog)])
    section += nodes.title(prog, prog)
    description = parser.description or help_text
    if description:
        section += nodes.paragraph(description, description)
    formatter = parser._get_formatter()
    usage = parser.format_usage().strip()
    section += nodes.literal_block(usage, usage, language="text")
    for group in parser._action_groups:
        actions = [action for action in group._group_actions
                   if action.help is not argparse.SUPPRESS and not isinstance(action, argparse._SubParsersAction)]
        if not actions:
            continue
        section += nodes.rubric(group.title, group.title.capitalize())
        items = nodes.definition_list()
        for action in actions:
            term = _option_term(action, formatter)
            item = nodes.definition_list_item()
            item += nodes.term("", "", nodes.literal(term, term))
            definition = nodes.definition()
            help_text_ = _option_help(action, formatter)
            definition += nodes.paragraph(help_text_, help_text_)
            item += definition
            items += item
        section += items
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, subparser in action.choices.items():
                section += _section(f"{prog} {name}", subparser, helps.get(name))
    return section


class QClockCLIDirective(Directive):
    """Render the whole ``qclock`` command tree from :func:`~qclock_circuits.cli.main.build_parser`."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        from qclock_circuits.cli.main import build_parser

        parser = build_parser()
        return [_section("qclock", parser, None)]


def setup(app):
    """Register the directive with Sphinx."""
    app.add_directive("qclock-cli", QClockCLIDirective)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
