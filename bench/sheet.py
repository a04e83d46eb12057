"""Dose-sheet size and speed: the whole 9-cycle blinatumomab course for a child (120 cm, 22 kg), as
HTML and as PDF through WeasyPrint, and the command end to end; page counts and wall times, with
ratios to a bare `python -c pass`. Optionally writes every page as PNG (pdftoppm, poppler-utils) to
look at:   python bench/sheet.py [runs] [--png FOLDER]
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from startup import command, median_ms

CHILD = ("--height", "120cm", "--weight", "22kg", "--start", "2026-01-05", "--age", "7")
INFO = ("--patient-name", "Test Child", "--patient-id", "MRN 0012345", "--written", "2026-01-04")


def in_process(runs: int) -> tuple[float, float, int, bytes]:
    """Median ms to plan and render the HTML, median ms to lay it out as PDF, the page count, the PDF."""
    import pypdf

    from regimencalc.dosing.patient import make_patient
    from regimencalc.planner import plan
    from regimencalc.protocol.loader import load_regimen
    from regimencalc.render.sheet import SheetInfo, render_sheet_html, render_sheet_pdf

    info = SheetInfo(written=dt.date(2026, 1, 4), patient_name="Test Child", patient_id="MRN 0012345")
    html_ms, pdf_ms, pdf = [], [], b""
    for _ in range(runs):
        start = time.perf_counter()
        course = plan(load_regimen("blinatumomab"), make_patient("120cm", "22kg", 7), dt.date(2026, 1, 5))
        html = render_sheet_html(course, info)
        middle = time.perf_counter()
        pdf = render_sheet_pdf(html)
        html_ms.append((middle - start) * 1000)
        pdf_ms.append((time.perf_counter() - middle) * 1000)
    pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
    return statistics.median(html_ms), statistics.median(pdf_ms), pages, pdf


def main() -> None:
    args = sys.argv[1:]
    png = Path(args[args.index("--png") + 1]) if "--png" in args else None
    runs = int(args[0]) if args and args[0].isdigit() else 5
    html_ms, pdf_ms, pages, pdf = in_process(runs)
    base = median_ms([sys.executable, "-c", "pass"], runs)
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "sheet.pdf"
        cli = [*command(), "sheet", "blinatumomab", *CHILD, *INFO, "-o", str(target), "--force"]
        end_to_end = median_ms(cli, runs)
    print(f"blinatumomab, 9 cycles, child 120 cm / 22 kg: {pages} pages")
    print(f"  plan + HTML        {html_ms:8.1f} ms")
    print(f"  HTML → PDF         {pdf_ms:8.1f} ms")
    print(f"  regimencalc sheet  {end_to_end:8.1f} ms   {end_to_end / base:6.1f} × python -c pass ({base:.1f} ms)")
    if png is not None:
        if shutil.which("pdftoppm") is None:
            sys.exit("pdftoppm not found: apt-get install poppler-utils")
        png.mkdir(parents=True, exist_ok=True)
        (png / "sheet.pdf").write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", "70", "-png", str(png / "sheet.pdf"), str(png / "page")], check=True)
        print(f"  {pages} pages as PNG in {png}")


if __name__ == "__main__":
    main()
