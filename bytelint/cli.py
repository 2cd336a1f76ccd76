"""The command line: ``bytelint check``, ``bytelint rules``, ``bytelint explain``.

Exit status: 0 no findings, 1 findings, 2 usage, configuration or per-file errors.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import click

from . import __version__, fixreport, output
from .config import OUTPUT_FORMATS, Config, ConfigError, check_selectors, find_pyproject, load_config, with_cli
from .discovery import FileFinder
from .engine import select_rules
from .registry import all_rules, known_codes
from .results import FileResult
from .fixer import fix_paths
from .runner import Progress, default_jobs, lint_paths
from .versions import VersionError, describe, parse_version, targets_from_minimum

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _split_codes(values: Sequence[str]) -> Tuple[str, ...]:
    codes: List[str] = []
    for value in values:
        codes.extend(part.strip().upper() for part in value.split(",") if part.strip())
    return tuple(codes)


def _split_patterns(values: Sequence[str]) -> Tuple[str, ...]:
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


class _Group(click.Group):
    def main(self, *args, **kwargs):  # usage errors exit 2 (click's default), crashes too
        try:
            return super().main(*args, **kwargs)
        except KeyboardInterrupt:
            click.echo("bytelint: interrupted", err=True)
            sys.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="bytelint")
def cli() -> None:
    """bytelint: a performance linter whose findings are confirmed on CPython bytecode."""


def load_settings(paths: Sequence[str], config_path: Optional[str]) -> Config:
    codes = known_codes()
    if config_path:
        pyproject: Optional[Path] = Path(config_path)
        if not pyproject.is_file():
            raise ConfigError(f"{config_path}: no such configuration file")
    else:
        start = Path(paths[0]) if paths else Path.cwd()
        if not start.exists():
            start = Path.cwd()
        pyproject = find_pyproject(start) or find_pyproject(Path.cwd())
    return load_config(pyproject, codes)


def _check_options(function):
    """The options `check` and `fix` share."""
    for option in reversed(_OPTIONS):
        function = option(function)
    return function


_OPTIONS = [
    click.argument("paths", nargs=-1, type=click.Path()),
    click.option("--select", multiple=True, help="Rule codes or prefixes to enable (replaces the config's)."),
    click.option("--extend-select", multiple=True, help="Rule codes or prefixes to enable in addition."),
    click.option("--ignore", multiple=True, help="Rule codes or prefixes to disable."),
    click.option("--target-version", help="Oldest Python the code must run well on, e.g. py39 (default: from requires-python, else the running interpreter)."),
    click.option("--output-format", type=click.Choice(OUTPUT_FORMATS), help="How to print findings (default: text)."),
    click.option("--config", "config_path", type=click.Path(dir_okay=False), help="A pyproject.toml to read instead of the nearest one."),
    click.option("--exit-zero", is_flag=True, help="Exit with 0 even when there are findings."),
    click.option("-q", "--quiet", is_flag=True, help="Print findings only: no summary, no notices."),
    click.option("-j", "--jobs", type=click.IntRange(min=1), help="Worker processes (default: CPU count)."),
    click.option("--preview", is_flag=True, default=None, help="Enable preview rules."),
    click.option("--exclude", multiple=True, help="Patterns to exclude (replaces the configured excludes)."),
    click.option("--extend-exclude", multiple=True, help="Patterns to exclude in addition to the configured ones."),
    click.option("--no-respect-gitignore", is_flag=True, help="Lint files that .gitignore ignores."),
    click.option("--force-exclude", is_flag=True, help="Apply excludes to paths named on the command line too (for pre-commit).")
]


@cli.command()
@_check_options
@click.option("--fix", is_flag=True, help="Apply safe fixes (with --unsafe-fixes, unsafe ones too).")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes that may change behaviour in rare cases.")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff and change nothing (exit 1 if any).")
@click.option("--show-fixes", is_flag=True, help="List the findings that were fixed.")
def check(
    paths: Tuple[str, ...],
    select: Tuple[str, ...],
    extend_select: Tuple[str, ...],
    ignore: Tuple[str, ...],
    target_version: Optional[str],
    output_format: Optional[str],
    config_path: Optional[str],
    exit_zero: bool,
    quiet: bool,
    jobs: Optional[int],
    preview: Optional[bool],
    exclude: Tuple[str, ...],
    extend_exclude: Tuple[str, ...],
    no_respect_gitignore: bool,
    force_exclude: bool,
    fix: bool = False,
    unsafe_fixes: bool = False,
    diff: bool = False,
    show_fixes: bool = False,
) -> None:
    """Lint PATHS (files or directories; default: the current directory)."""
    paths = paths or (".",)
    try:
        config = load_settings(paths, config_path)
        codes = known_codes()
        cli_select = _split_codes(select) if select else None
        cli_ignore = _split_codes(ignore)
        cli_extend = _split_codes(extend_select)
        for option, values in (("--select", cli_select or ()), ("--ignore", cli_ignore), ("--extend-select", cli_extend)):
            check_selectors(values, codes, option)
        targets = None
        if target_version:
            try:
                targets = targets_from_minimum(parse_version(target_version))
            except VersionError as exc:
                raise ConfigError(f"--target-version: {exc}") from None
        config = with_cli(
            config,
            cli_select=cli_select,
            cli_ignore=cli_ignore or None,
            extend_select=(config.extend_select + cli_extend) if cli_extend else None,
            target_versions=targets,
            output_format=output_format,
            preview=preview,
            respect_gitignore=False if no_respect_gitignore else None,
            exclude=_split_patterns(exclude) if exclude else None,
            extend_exclude=(config.extend_exclude + _split_patterns(extend_exclude)) if extend_exclude else None,
        )
    except ConfigError as exc:
        click.echo(f"bytelint: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)

    missing = [p for p in paths if not os.path.lexists(p)]
    for path in missing:
        click.echo(f"bytelint: error: {path}: no such file or directory", err=True)
    existing = [p for p in paths if p not in missing]
    files = [d.path for d in FileFinder(config, force_exclude=force_exclude).find(existing)]

    if not select_rules(config) and not quiet:
        click.echo(
            f"bytelint: warning: no rule applies (selection and target versions {describe(config.target_versions)})",
            err=True,
        )

    fixing = fix or diff
    if fixing:
        outcomes = sorted(fix_paths(files, config, unsafe_fixes, write=not diff, jobs=jobs or default_jobs()), key=lambda o: o.path)
        results = [_result_after_fix(o) for o in outcomes]
        report_fixes(outcomes, diff=diff, show=show_fixes, quiet=quiet)
    else:
        progress = Progress() if not quiet else None
        results = sorted(lint_paths(files, config, jobs=jobs, progress=progress), key=lambda r: r.path)
        if progress:
            progress.close()
    findings = [f for r in results for f in r.findings]

    if diff:
        changed = [o for o in outcomes if o.changed]
        would = sum(len(o.applied) for o in changed)
        if not quiet:
            click.echo(f"Would fix {would} finding{'s' if would != 1 else ''} in {len(changed)} file{'s' if len(changed) != 1 else ''}.", err=True)
        for result in results:
            if result.error:
                click.echo(f"bytelint: error: {result.path}: {result.error}", err=True)
        sys.exit(EXIT_ERROR if missing or any(r.error for r in results) else EXIT_FINDINGS if changed else EXIT_CLEAN)

    stdout = click.get_text_stream("stdout")
    fmt = config.output_format
    if fmt in ("text", "concise", "full"):
        output.write_text(findings, stdout, full=(fmt == "full"))
    elif fmt == "json":
        output.write_json(findings, stdout)
    elif fmt == "json-lines":
        output.write_json_lines(findings, stdout)

    for result in results:
        if result.error:
            click.echo(f"bytelint: error: {result.path}: {result.error}", err=True)
        elif result.notices and not quiet:
            for notice in result.notices:
                click.echo(f"bytelint: notice: {result.path}: {notice}", err=True)

    if fmt in ("text", "full") and not quiet:
        if findings:
            click.echo("")
        click.echo(output.summary_line(findings, results))
        if fixing:
            click.echo(fixreport.fix_summary(outcomes, unsafe_fixes))
        else:
            hint = fixreport.fixable_hint(findings)
            if hint:
                click.echo(hint)
        for line in output.docs_footer(findings):
            click.echo(line)

    errors = bool(missing) or any(r.error for r in results)
    if errors:
        sys.exit(EXIT_ERROR)
    if diff and any(o.changed for o in outcomes):
        sys.exit(EXIT_FINDINGS)
    if findings and not exit_zero and not diff:
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_CLEAN)


@cli.command("fix")
@_check_options
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes that may change behaviour in rare cases.")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff and change nothing (exit 1 if any).")
@click.option("--show-fixes", is_flag=True, help="List the findings that were fixed.")
@click.pass_context
def fix_command(ctx: click.Context, **kwargs) -> None:
    """Apply fixes to PATHS (same as `check --fix`): safe ones, and unsafe ones on request.
    Every fix is proven before it is kept: the result compiles, untouched code compiles to the
    same bytecode, the finding is gone, and fixing again changes nothing."""
    ctx.invoke(check, fix=True, **kwargs)


def _result_after_fix(outcome) -> FileResult:
    if outcome.remaining is not None:
        if outcome.error and not outcome.remaining.error:
            return FileResult(outcome.path, outcome.remaining.findings, outcome.error, outcome.remaining.notices)
        return outcome.remaining
    return FileResult(outcome.path, error=outcome.error)


def report_fixes(outcomes, diff: bool, show: bool, quiet: bool) -> None:
    """What the fixer did: diffs, fixed findings, and fixes it had to drop."""
    for outcome in outcomes:
        if diff and outcome.changed:
            click.echo(fixreport.unified_diff(outcome), nl=False)
        if show:
            for finding in outcome.applied:
                click.echo(f"Fixed {finding.path}:{finding.span.line}:{finding.span.col + 1}: {finding.code} {finding.fix.description}")
        for finding, reason in outcome.failed:
            click.echo(
                f"bytelint: warning: {finding.path}:{finding.span.line}:{finding.span.col + 1}: "
                f"{finding.code} fix not applied: {reason}",
                err=True,
            )


@cli.command("rules")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text")
def rules_command(output_format: str) -> None:
    """List every rule: code, name, the target versions where it applies."""
    import json

    rows = []
    for rule in all_rules():
        rows.append(
            {
                "code": rule.code,
                "name": rule.name,
                "summary": rule.summary,
                "versions": rule.versions,
                "fix": rule.fixable,
                "preview": rule.preview,
                "url": rule.url(),
            }
        )
    if output_format == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        preview = " (preview)" if row["preview"] else ""
        click.echo(f"{row['code']}  {row['name']:<28} Python {row['versions']:<10} {row['summary']}{preview}")


@cli.command()
@click.argument("code")
def explain(code: str) -> None:
    """Show a rule's documentation."""
    for rule in all_rules():
        if code.upper() in (rule.code, rule.name.upper()) or code == rule.name:
            click.echo(f"{rule.code} {rule.name}  (applies to Python {rule.versions})\n")
            click.echo(rule.docs())
            return
    click.echo(f"bytelint: error: unknown rule '{code}'", err=True)
    sys.exit(EXIT_ERROR)


def main() -> None:
    cli(prog_name="bytelint")


if __name__ == "__main__":  # pragma: no cover
    main()
