"""The limits every input is held to, in one place (documented in docs/limits.md).

Each limit is far above anything a real regimen, observation, prior or rounding file needs and far
below what would cost more than a second of CPU or 100 MB of memory. An input past a limit is
refused with a one-line message that names the limit (its constant name below) and its value.
"""

from __future__ import annotations

import datetime as dt

#: Largest input file read (bundled regimens are under 7 KB; a year of observations under 100 KB).
MAX_FILE_BYTES = 256 * 1024
#: Largest cache entry read back (validated/, compiled/, units/, help/, cli/; docs/cache.md): the
#: largest bundled regimen's entry is under 14 KB. A larger entry, or anything but a regular file,
#: is a miss, rebuilt from the source.
MAX_CACHE_ENTRY_BYTES = 8 * 1024 * 1024
#: Most YAML values in one file, counted with every alias expanded (a billion-laughs file is refused);
#: about 400 observation entries, ten times the largest bundled regimen.
MAX_YAML_NODES = 6_000
#: Deepest nesting of YAML mappings and lists (a regimen file nests about 8 levels).
MAX_YAML_DEPTH = 32
#: Largest number written in a file (day counts, percentages, grades, multiples of ULN).
MAX_NUMBER = 1_000_000
#: Most digits in a number (leading zeros aside), in a file or on the command line: a float's 17.
MAX_NUMBER_DIGITS = 17
#: Largest power of ten in a scaled amount ('0.2 x10^6 cells/kg', '1 x10^9/L').
MAX_EXPONENT = 15
#: Longest cycle, in days.
MAX_CYCLE_LENGTH_DAYS = 365
#: Most cycles in one course.
MAX_CYCLES = 100
#: Most planned administrations in one course, every phase at its full count and every branch arm
#: counted (three years of daily oral maintenance with weekly and monthly drugs fit).
MAX_ADMINISTRATIONS = 3_000
#: Longest course, in days from cycle 1 day 1 to the end of the last cycle (ten years).
MAX_COURSE_DAYS = 3653
#: Earliest and latest date accepted anywhere (start, observations, sheet dates).
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)
#: Most vial sizes for one drug in a rounding profile, and most vials combined for one dose.
MAX_VIAL_SIZES = 6
MAX_VIALS = 12


def limit_text(name: str) -> str:
    """'MAX_CYCLES = 100': the limit as the messages and docs/limits.md name it."""
    value = globals()[name]
    shown = value.isoformat() if isinstance(value, dt.date) else f"{value:,}".replace(",", " ")
    return f"{name} = {shown}"


#: The smallest amount a dose may prescribe per m², per kg or flat: 1 ng (0.001 µg) of drug or
#: 1000 cells. No drug the format holds is dosed near it; below it a computed dose prints as 0 mg.
MIN_DOSE_MCG = 0.001
MIN_DOSE_CELLS = 1000
#: The most of each agent one intrathecal injection may hold in an institutional profile, in mg.
#: An INSTITUTIONAL SAFETY LIMIT of this project, not a clinical fact or a recommended dose: it
#: catches a slip of the pen (1200 mg for 12 mg) before it reaches an order. Only these agents may
#: be given intrathecally through a profile; another agent is refused (docs/institution.md).
MAX_INTRATHECAL_MG = {"methotrexate": 15, "cytarabine": 100, "hydrocortisone": 50, "dexamethasone": 10}
