"""Open the built documentation in headless Chromium and check that it renders.

Usage (from the repository root, after ``python -m sphinx -b html docs docs/_build/html``)::

    python docs/check_rendering.py SCREENSHOT_DIR [--html docs/_build/html] [--chromium PATH]

Each checked page is loaded, inside a small wrapper page, by Debian's ``chromium`` in headless mode
(``--dump-dom`` with a virtual time budget, file access between local files allowed); a script of the
wrapper waits for MathJax to finish typesetting and writes what the real, rendered DOM holds back into
the dumped HTML, which this script parses. It checks

* math: every Sphinx math element (``span.math``, ``div.math``) on the index, the conventions page and
  an executed tutorial holds a MathJax output element (``mjx-container``) and none is a MathJax error;
* figures: every ``img`` of the tutorials (and of the gallery, when it has figures) loaded with a natural
  size > 0 (and the file exists in the build);
* the API reference: the package's module pages exist, and the function and class pages named by
  ``--api-page`` show numpydoc's Parameters and Returns sections;
* the CLI reference lists every ``qclock`` subcommand;

and saves screenshots of the index and of the first API page into ``SCREENSHOT_DIR``
(``index.png``, ``api.png``). It prints one line per check and exits with 1 if any failed, 2 if
Chromium or the build is missing.
"""

from __future__ import annotations

import argparse
import html
import json
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Pages whose math must render (relative to the HTML root); tutorials are added when present.
MATH_PAGES = ("index.html", "conventions.html")
#: API pages that must show numpydoc's sections: (page, sections).
API_PAGES = (
    ("api/qclock_circuits.circuits.builder.protocol_to_circuit.html", ("Parameters", "Returns")),
    ("api/qclock_circuits.bayes.optimal_interferometer.oqi.html", ("Parameters", "Returns")),
    ("api/qclock_circuits.clock.noise.LocalOscillatorNoise.html", ("Parameters",)),
)
#: Subcommands the CLI reference must list.
CLI_COMMANDS = ("protocol", "evaluate", "bounds", "simulate", "adaptive", "design", "network")

_WRAPPER = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<iframe id="page" src="{src}" style="width:1280px;height:2000px"></iframe>
<pre id="result"></pre>
<script>
function report(doc, win) {{
  const math = Array.from(doc.querySelectorAll("span.math, div.math"));
  const images = Array.from(doc.querySelectorAll("img")).map(img => ({{
    src: img.getAttribute("src"), complete: img.complete, width: img.naturalWidth, height: img.naturalHeight}}));
  const fields = Array.from(doc.querySelectorAll("dl.field-list > dt")).map(dt => dt.textContent.trim());
  document.getElementById("result").textContent = JSON.stringify({{
    title: doc.title,
    mathjax: typeof win.MathJax !== "undefined" && !!win.MathJax.startup,
    math: math.length,
    rendered: math.filter(el => el.querySelector("mjx-container")).length,
    errors: doc.querySelectorAll("mjx-merror, [data-mjx-error]").length,
    containers: doc.querySelectorAll("mjx-container").length,
    images: images,
    fields: fields,
    text: doc.body ? doc.body.innerText.slice(0, 200000) : ""
  }});
}}
const frame = document.getElementById("page");
frame.addEventListener("load", () => {{
  const win = frame.contentWindow, doc = frame.contentDocument;
  const done = () => setTimeout(() => report(doc, win), 500);
  const wait = () => {{
    if (win.MathJax && win.MathJax.startup && win.MathJax.startup.promise) {{
      win.MathJax.startup.promise.then(done, done);
    }} else if (doc.querySelector("span.math, div.math") && (win.__qclockWaits = (win.__qclockWaits || 0) + 1) < 40) {{
      setTimeout(wait, 250);   // MathJax is loaded asynchronously
    }} else {{
      done();
    }}
  }};
  wait();
}});
</script></body></html>
"""


class _ResultParser(HTMLParser):
    """Collect the text of ``<pre id="result">`` from a dumped DOM."""

    def __init__(self):
        super().__init__()
        self._inside = False
        self.text = ""

    def handle_starttag(self, tag, attrs):
        if tag == "pre" and dict(attrs).get("id") == "result":
            self._inside = True

    def handle_endtag(self, tag):
        if tag == "pre":
            self._inside = False

    def handle_data(self, data):
        if self._inside:
            self.text += data


def find_chromium(explicit: str | None) -> str | None:
    """The Chromium executable: ``explicit``, else ``chromium``/``chromium-browser`` on PATH."""
    if explicit:
        return explicit
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _chromium_flags(profile: Path) -> list[str]:
    return ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
            "--allow-file-access-from-files", "--no-first-run", f"--user-data-dir={profile}",
            "--window-size=1280,1600"]


def inspect_page(chromium: str, page: Path, workdir: Path, budget_ms: int, timeout_s: float) -> dict:
    """Load ``page`` in headless Chromium and return what its rendered DOM holds (see ``_WRAPPER``)."""
    wrapper = workdir / "wrapper.html"
    wrapper.write_text(_WRAPPER.format(src=html.escape(page.resolve().as_uri(), quote=True)), encoding="utf-8")
    command = [chromium, *_chromium_flags(workdir / "profile"), f"--virtual-time-budget={budget_ms}",
               "--dump-dom", wrapper.as_uri()]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, check=False)
    parser = _ResultParser()
    parser.feed(completed.stdout)
    if not parser.text.strip():
        raise RuntimeError(f"Chromium reported nothing for {page} (exit {completed.returncode}): "
                           f"{completed.stderr.strip()[-500:]}")
    return json.loads(parser.text)


def screenshot(chromium: str, page: Path, target: Path, workdir: Path, budget_ms: int, timeout_s: float) -> None:
    """Save a PNG screenshot of ``page`` (1280 × 1600 px) after ``budget_ms`` of virtual time."""
    target.parent.mkdir(parents=True, exist_ok=True)
    command = [chromium, *_chromium_flags(workdir / "profile"), f"--virtual-time-budget={budget_ms}",
               f"--screenshot={target.resolve()}", page.resolve().as_uri()]
    subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, check=False)
    if not target.is_file() or target.stat().st_size == 0:
        raise RuntimeError(f"Chromium wrote no screenshot of {page} to {target}")


class Checks:
    """Collects pass/fail lines."""

    def __init__(self):
        self.failures = 0

    def record(self, ok: bool, message: str) -> None:
        """Print ``ok``/``FAIL`` and the message; count failures."""
        print(f"{'ok  ' if ok else 'FAIL'}  {message}", flush=True)
        if not ok:
            self.failures += 1


def check_math(checks: Checks, name: str, info: dict) -> None:
    """Every math element rendered by MathJax, no MathJax error."""
    if info["math"] == 0:
        checks.record(False, f"{name}: no math element found (expected some)")
        return
    checks.record(info["mathjax"] and info["rendered"] == info["math"] and info["errors"] == 0,
                  f"{name}: math {info['rendered']}/{info['math']} rendered by MathJax "
                  f"({info['containers']} mjx-container, {info['errors']} errors)")


def check_images(checks: Checks, name: str, info: dict, page: Path, minimum: int) -> None:
    """At least ``minimum`` images, each loaded with natural size > 0 and present on disk."""
    images = [image for image in info["images"] if image["src"]]
    broken = [image["src"][:80] for image in images if not (image["complete"] and image["width"] > 0
                                                             and image["height"] > 0)]
    missing = [image["src"] for image in images
               if not image["src"].startswith(("data:", "http:", "https:"))
               and not (page.parent / image["src"].split("#")[0].split("?")[0]).is_file()]
    sizes = ", ".join(f"{image['width']}×{image['height']}" for image in images[:6])
    checks.record(len(images) >= minimum and not broken and not missing,
                  f"{name}: {len(images)} images, natural sizes ({sizes}{', …' if len(images) > 6 else ''})"
                  + (f"; broken: {broken}" if broken else "") + (f"; missing files: {missing}" if missing else ""))


def main(argv=None) -> int:
    """Run every check; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("screenshots", type=Path, help="folder for index.png and api.png")
    parser.add_argument("--html", type=Path, default=ROOT / "docs" / "_build" / "html",
                        help="the built HTML site (default: docs/_build/html)")
    parser.add_argument("--chromium", help="Chromium executable (default: chromium on PATH)")
    parser.add_argument("--budget-ms", type=int, default=20000,
                        help="virtual time Chromium gives each page, ms (default: 20000)")
    parser.add_argument("--timeout", type=float, default=120.0, help="wall-clock limit per page, s (default: 120)")
    args = parser.parse_args(argv)

    chromium = find_chromium(args.chromium)
    if chromium is None:
        print("error: no chromium on PATH (Debian: apt-get install -y chromium)", file=sys.stderr)
        return 2
    site = args.html
    if not (site / "index.html").is_file():
        print(f"error: no built site at {site} (run: python -m sphinx -b html docs docs/_build/html)",
              file=sys.stderr)
        return 2

    checks = Checks()
    with tempfile.TemporaryDirectory(prefix="qclock-docs-check-") as tmp:
        workdir = Path(tmp)

        def inspect(relative: str) -> dict | None:
            page = site / relative
            if not page.is_file():
                checks.record(False, f"{relative}: page missing")
                return None
            try:
                return inspect_page(chromium, page, workdir, args.budget_ms, args.timeout)
            except (RuntimeError, subprocess.TimeoutExpired, json.JSONDecodeError) as error:
                checks.record(False, f"{relative}: {error}")
                return None

        for relative in MATH_PAGES:
            info = inspect(relative)
            if info is not None:
                check_math(checks, relative, info)

        tutorials = sorted((site / "tutorials").glob("*.html"))
        checks.record(bool(tutorials), f"tutorials: {len(tutorials)} pages")
        for page in tutorials:
            relative = page.relative_to(site).as_posix()
            info = inspect(relative)
            if info is None:
                continue
            if info["math"]:
                check_math(checks, relative, info)
            check_images(checks, relative, info, page, minimum=1)

        for page in sorted((site / "gallery").glob("**/*.html")):
            relative = page.relative_to(site).as_posix()
            info = inspect(relative)
            if info is not None and info["images"]:
                check_images(checks, relative, info, page, minimum=1)

        modules = sorted(path.stem for path in (site / "api").glob("qclock_circuits.*.html"))
        for layer in ("spin", "protocols", "circuits", "bayes", "clock", "optimize", "network", "cli"):
            checks.record(f"qclock_circuits.{layer}" in modules, f"api: page of qclock_circuits.{layer}")
        checks.record(len(modules) >= 50, f"api: {len(modules)} pages of modules, functions and classes")
        sections = {name: 0 for name in ("Parameters", "Returns", "Raises")}
        for path in (site / "api").glob("qclock_circuits.*.html"):
            text = path.read_text(encoding="utf-8", errors="replace")
            for name in sections:
                sections[name] += f'">{name}<' in text
        print("info  api: pages with " + ", ".join(f"{name}: {count}" for name, count in sections.items()))
        for relative, sections in API_PAGES:
            info = inspect(relative)
            if info is None:
                continue
            fields = [field.rstrip(":") for field in info["fields"]]
            checks.record(all(section in fields for section in sections),
                          f"{relative}: sections {fields} (expected {list(sections)})")
            if info["math"]:
                check_math(checks, relative, info)

        info = inspect("cli.html")
        if info is not None:
            absent = [command for command in CLI_COMMANDS if f"qclock {command}" not in info["text"]]
            checks.record(not absent, f"cli.html: subcommands documented"
                          + (f"; missing {absent}" if absent else f" ({', '.join(CLI_COMMANDS)})"))

        for relative, name in (("index.html", "index.png"), (API_PAGES[0][0], "api.png")):
            try:
                screenshot(chromium, site / relative, args.screenshots / name, workdir, args.budget_ms, args.timeout)
                checks.record(True, f"screenshot of {relative}: {args.screenshots / name}")
            except (RuntimeError, subprocess.TimeoutExpired) as error:
                checks.record(False, f"screenshot of {relative}: {error}")

    print(f"{'all checks passed' if checks.failures == 0 else f'{checks.failures} checks failed'}")
    return 0 if checks.failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
