"""The command line: ``bytelint check``, ``bytelint rules``, ``bytelint explain``.

Exit status: 0 no findings, 1 findings, 2 usage, configuration or per-file errors.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Tuple

import click

from . import __version__, fixreport, output, profile
from . import cache as result_cache
from .config import FORMATS_WITH_EDITS, OUTPUT_FORMATS, Config, ConfigError, check_selectors, find_pyproject, load_config, needs_targets, with_cli
from .discovery import FileFinder
from .registry import all_rules, known_codes, selected_codes, use_manifest_cache
from .results import FileResult
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


def load_settings(paths: Sequence[str], config_path: Optional[str], cache_dir: Optional[Callable[[str], Optional[str]]] = None) -> Config:
    """``cache_dir``: the cache directory for a project root, where the rule manifest is kept
    (see registry.py); None: import the rules."""
    if config_path:
        pyproject: Optional[Path] = Path(config_path)
        if not pyproject.is_file():
            raise ConfigError(f"{config_path}: no such configuration file")
    else:
        start = Path(paths[0]) if paths else Path.cwd()
        if not start.exists():
            start = Path.cwd()
        pyproject = find_pyproject(start) or find_pyproject(Path.cwd())
    if cache_dir is not None:
        use_manifest_cache(cache_dir(str(pyproject.parent.resolve()) if pyproject else str(Path.cwd())))
    return load_config(pyproject, known_codes())


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
    click.option("--force-exclude", is_flag=True, help="Apply excludes to paths named on the command line too (for pre-commit)."),
    click.option("--file-timeout", type=click.FloatRange(min=0), help="Seconds one file may take before it is skipped with an error (default: 60; 0: no limit)."),
    click.option("--no-cache", is_flag=True, help="Lint every file, neither reading nor writing the results cache (fixing never uses it)."),
    click.option("--cache-dir", type=click.Path(file_okay=False), help="Results cache directory (default: BYTELINT_CACHE_DIR, else .bytelint_cache at the project root)."),
]


@cli.command()
@_check_options
@click.option("--stdin-filename", help="With the path `-`: lint standard input as this file (its pyproject.toml, per-file-ignores and, with --force-exclude, excludes apply).")
@click.option("--fix", is_flag=True, help="Apply safe fixes (with --unsafe-fixes, unsafe ones too).")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes that may change behaviour in rare cases.")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff and change nothing (exit 1 if any).")
@click.option("--show-fixes", is_flag=True, help="List the findings that were fixed.")
@click.option("--profile", "profile_path", metavar="FILE", help="A cProfile/pstats file or collapsed stacks (py-spy --format raw, austin): show each finding's share of the time, order by estimated saving.")
@click.option("--min-share", metavar="PERCENT", help="With --profile: hide findings in code under this share of the profile's time, e.g. 1% (code absent from the profile counts as 0%).")
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
    file_timeout: Optional[float] = None,
    fix: bool = False,
    unsafe_fixes: bool = False,
    diff: bool = False,
    show_fixes: bool = False,
    stdin_filename: Optional[str] = None,
    no_cache: bool = False,
    cache_dir: Optional[str] = None,
    profile_path: Optional[str] = None,
    min_share: Optional[str] = None,
) -> None:
    """Lint PATHS (files or directories; default: the current directory; `-`: standard input)."""
    paths = paths or (".",)
    use_stdin = "-" in paths
    _check_stdin_usage(paths, use_stdin, stdin_filename, fix or diff)
    try:
        cache_dir_of = None if no_cache else (lambda root: result_cache.resolve_dir(cache_dir, root))
        config = load_settings(_settings_start(paths, use_stdin, stdin_filename), config_path, cache_dir_of)
        codes = known_codes()
        cli_select = _split_codes(select) if select else None
        cli_ignore = _split_codes(ignore)
        cli_extend = _split_codes(extend_select)
        for option, values in (("--select", cli_select or ()), ("--ignore", cli_ignore), ("--extend-select", cli_extend)):
            check_selectors(values, codes, option)
        if cli_select is not None and cli_extend:  # `--select A --extend-select B`: A and B
            cli_select = cli_select + cli_extend
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
            file_timeout=file_timeout,
        )
        needs_targets(config)
        loaded, threshold = _load_profile(config, profile_path, min_share)
    except ConfigError as exc:
        click.echo(f"bytelint: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)

    missing = [p for p in paths if not os.path.lexists(p) and p != "-"]
    for path in missing:
        click.echo(f"bytelint: error: {path}: no such file or directory", err=True)
    existing = [p for p in paths if p not in missing and p != "-"]
    finder = FileFinder(config, force_exclude=force_exclude)
    files = [d.path for d in finder.find(existing)]
    for problem_path, problem in finder.problems:
        click.echo(f"bytelint: error: {problem_path}: {problem}", err=True)
    missing += [problem_path for problem_path, _ in finder.problems]
    sources = None

    selected = selected_codes(config)
    if not selected and not quiet:
        click.echo(
            f"bytelint: warning: no rule applies (selection and target versions {describe(config.target_versions)})",
            err=True,
        )

    fixing = fix or diff
    if not fixing:  # the text edits of fixes are rendered only for the formats that print them
        config = dataclasses.replace(config, fix_edits=config.output_format in FORMATS_WITH_EDITS)
    if fixing:
        from .fixer import fix_paths

        outcomes = sorted(fix_paths(files, config, unsafe_fixes, write=not diff, jobs=jobs or default_jobs()), key=lambda o: o.path)
        results = [_result_after_fix(o) for o in outcomes]
        report_fixes(outcomes, diff=diff, show=show_fixes, quiet=quiet)
    elif use_stdin:
        results, sources = _lint_stdin(config, stdin_filename, force_exclude)
    else:
        progress = Progress() if not quiet else None
        store = None if no_cache else result_cache.ResultCache(result_cache.resolve_dir(cache_dir, config.root), result_cache.settings_key(config, selected))
        results = sorted(lint_paths(files, config, jobs=jobs, progress=progress, cache=store), key=lambda r: r.path)
        if progress:
            progress.close()
    findings = [f for r in results for f in r.findings]
    ranked = None
    if loaded is not None and not diff:
        ranked = _rank(loaded, threshold, results, findings, sources, config, quiet)
        findings, results = ranked.findings, ranked.results

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
    output.write_findings(fmt, findings, results, stdout, sources=sources, profile=ranked.figures if ranked else None)

    for result in results:
        if result.error:
            click.echo(f"bytelint: error: {result.path}: {result.error}", err=True)
        elif result.notices and not quiet:
            for notice in result.notices:
                click.echo(f"bytelint: notice: {result.path}: {notice}", err=True)

    if fmt not in ("text", "full", "concise") and not quiet and ranked and ranked.hidden:
        # machine formats keep their shape on stdout; the count of cold findings goes to stderr
        click.echo(f"bytelint: notice: {profile.hidden_note(ranked.hidden, threshold)}", err=True)
    if fmt in ("text", "full", "concise") and not quiet:
        if findings and fmt != "full":  # full ends each finding with a blank line
            click.echo("")
        hidden = [profile.hidden_note(ranked.hidden, threshold)] if ranked and ranked.hidden else []
        click.echo(output.summary_line(findings, results, extra=hidden))
        if fixing:
            click.echo(fixreport.fix_summary(outcomes, unsafe_fixes))
        else:
            hint = fixreport.fixable_hint(findings)
            if hint:
                click.echo(hint)
        for line in output.docs_footer(findings) if fmt != "concise" else ():
            click.echo(line)

    errors = bool(missing) or any(r.error for r in results)
    if errors:
        sys.exit(EXIT_ERROR)
    if diff and any(o.changed for o in outcomes):
        sys.exit(EXIT_FINDINGS)
    if findings and not exit_zero and not diff:
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_CLEAN)


def _load_profile(config: Config, path: Optional[str], min_share: Optional[str]):
    """The profile to rank findings by (--profile, else `profile` in the configuration) and the
    share under which findings are hidden; a problem with either is a usage error."""
    try:
        threshold = profile.parse_min_share(min_share) if min_share is not None else config.min_share
        path = path or config.profile
        if min_share is not None and not path:
            raise ConfigError("--min-share needs a profile (--profile FILE, or `profile` in [tool.bytelint])")
        return (profile.load_profile(path) if path else None), threshold
    except profile.ProfileError as exc:
        if path and path == config.profile and config.source:  # from the file: say where it was set
            raise ConfigError(f"{config.source}: [tool.bytelint] 'profile': {exc}") from None
        raise ConfigError(str(exc)) from None


def _rank(loaded, threshold, results, findings, sources, config: Config, quiet: bool):
    from .formats.sources import SourceLines

    lines_for = SourceLines(sources)
    ranked = profile.rank(loaded, results, lambda p: "".join(lines_for(p)), config.target_versions, threshold)
    if findings and not ranked.matched_files and not quiet:
        click.echo(f"bytelint: warning: the profile {loaded.path} names none of the files with findings (compare its paths with theirs)", err=True)
    return ranked


def _check_stdin_usage(paths: Sequence[str], use_stdin: bool, stdin_filename: Optional[str], fixing: bool) -> None:
    problem = None
    if use_stdin and len(paths) > 1:
        problem = "`-` (standard input) cannot be combined with other paths"
    elif stdin_filename and not use_stdin:
        problem = "--stdin-filename needs the path `-` (standard input)"
    elif use_stdin and fixing:
        problem = "fixing standard input is not supported; name the file"
    if problem:
        click.echo(f"bytelint: error: {problem}", err=True)
        sys.exit(EXIT_ERROR)


def _settings_start(paths: Sequence[str], use_stdin: bool, stdin_filename: Optional[str]) -> Sequence[str]:
    """Where configuration is looked for: standard input's is that of --stdin-filename."""
    if use_stdin:
        return (os.path.dirname(os.path.abspath(stdin_filename)),) if stdin_filename else (".",)
    return paths


def _lint_stdin(config: Config, stdin_filename: Optional[str], force_exclude: bool):
    """Standard input linted as ``stdin_filename`` (``-`` without one); nothing if that path is
    excluded and --force-exclude is given (as for an excluded file that pre-commit names)."""
    from .engine import lint_source

    path = stdin_filename or "-"
    data = click.get_binary_stream("stdin").read()
    if stdin_filename and force_exclude and not any(FileFinder(config, force_exclude=True).find([path])):
        return [], None
    return [lint_source(data, path, config)], {path: data}


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


@cli.command()
@click.option("--cache-dir", type=click.Path(file_okay=False), help="The cache directory to remove (default: BYTELINT_CACHE_DIR, else .bytelint_cache at the project root).")
def clean(cache_dir: Optional[str]) -> None:
    """Remove the results cache of the project in the current directory."""
    pyproject = find_pyproject(Path.cwd())
    directory = result_cache.resolve_dir(cache_dir, str(pyproject.parent.resolve()) if pyproject else str(Path.cwd()))
    try:
        removed = result_cache.clean(directory)
    except (ValueError, OSError) as exc:
        click.echo(f"bytelint: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(f"Removed {directory}" if removed else f"No cache at {directory}")


@cli.command("rules")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", help="A table (default) or JSON with every benchmark case.")
def rules_command(output_format: str) -> None:
    """List every rule: code, name, fix, target versions and the measured speedup of its fix."""
    from . import reference

    output.write_rules(reference.rule_rows(), click.get_text_stream("stdout"), output_format, reference.pythons())


@cli.command(short_help="Show a rule's docs (CODE) or the bytecode behind a finding (PATH:LINE).")
@click.argument("target", metavar="CODE|PATH:LINE")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="With PATH:LINE: a pyproject.toml to read instead of the nearest one.")
@click.option("--target-version", help="With PATH:LINE: oldest Python the code must run well on, e.g. py39.")
def explain(target: str, config_path: Optional[str], target_version: Optional[str]) -> None:
    """Show a rule's documentation (CODE, e.g. BL101), or the bytecode evidence behind the
    findings on one line of a file (PATH:LINE, e.g. src/app.py:14)."""
    import re

    match = re.fullmatch(r"(.+):(\d+)", target)
    if match and (os.path.exists(match.group(1)) or "/" in target or os.sep in target or match.group(1).endswith(".py")):
        _explain_line(match.group(1), int(match.group(2)), config_path, target_version)
        return
    from . import reference

    for rule in all_rules():
        if target.upper() in (rule.code, rule.name.upper()) or target == rule.name:
            output.write_rule_docs(rule, reference.rule_row(rule), click.get_text_stream("stdout"))
            return
    click.echo(f"bytelint: error: unknown rule '{target}' (or give PATH:LINE)", err=True)
    sys.exit(EXIT_ERROR)


def _explain_line(path: str, line: int, config_path: Optional[str], target_version: Optional[str]) -> None:
    from .explain import ExplainError, explain_line

    try:
        config = load_settings((path,), config_path)
        if target_version:
            try:
                config = with_cli(config, target_versions=targets_from_minimum(parse_version(target_version)))
            except VersionError as exc:
                raise ConfigError(f"--target-version: {exc}") from None
        needs_targets(config)
        lines, found = explain_line(path, line, config)
    except (ConfigError, ExplainError) as exc:
        click.echo(f"bytelint: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    for text in lines:
        click.echo(text)
    sys.exit(EXIT_CLEAN if found else EXIT_FINDINGS)


@cli.command("lsp")
def lsp_command() -> None:
    """Run the language server on standard input and output (needs `pip install 'bytelint[lsp]'`)."""
    from . import server

    problem = server.missing_dependency()
    if problem:
        click.echo(f"bytelint: error: {problem}", err=True)
        sys.exit(EXIT_ERROR)
    server.main()


def main() -> None:
    cli(prog_name="bytelint")


if __name__ == "__main__":  # pragma: no cover
    main()
