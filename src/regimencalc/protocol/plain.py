"""The validated regimen and drug files as the planner reads them: plain, frozen, pydantic-free.

Each class here holds one model's fields (`FIELDS`, in the model's order) and its behaviour
(`Band.holds`, `Phase.all_lines`, `Regimen.all_lines`, …). The pydantic models of `regimen`,
`drugs` and `supportive` inherit these classes, so the behaviour is written once and both forms
answer alike; the loader validates a file with the model, then hands the planner this plain tree
(`plain_tree`), cold or warm. A plain instance is made without validation (`make`): it is only
ever made from a validated model, or read back from the cache (`protocol/tagged.py`), whose entries
were written from one and are used only when they pass its checks (docs/cache.md). Instances are
frozen, equal when their class and fields are, and hashable when their fields are, as the frozen
models are.

Nothing here imports pydantic, ruamel or pint: a warm run reads a regimen without them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal, TypeVar, get_args

from regimencalc.display import format_number

Route = Literal["IV", "CIV", "PO", "SC", "IM", "IT"]
Basis = Literal["bsa", "weight", "flat"]
Response = Literal["CR", "CRi", "PR", "NR"]
Marrow = Literal["stable", "improved", "progressed"]
RESPONSES: tuple[str, ...] = get_args(Response)
DoseEvent = Literal["first-dose-of-course", "first-dose-of-cycle", "step-dose", "restart", "each-dose"]
EVENT_WORDS: dict[str, str] = {
    "first-dose-of-course": "the first dose of the course",
    "first-dose-of-cycle": "the first dose of the cycle",
    "step-dose": "the step dose",
    "restart": "the restart after an interruption",
    "each-dose": "each dose",
}
#: Where a value sits in a file: field names and list indexes from the top.
Path = tuple[str | int, ...]

P = TypeVar("P", bound="Plain")


@dataclass(frozen=True)
class Threshold:
    """A band edge as a label writes it: '< 45 kg', '>= 45 kg', '<= 50 kg', '< 1 year', '< 12 months'."""

    operator: str
    value: float
    unit: str
    text: str

    def holds(self, measured: float) -> bool:
        """Whether a value falls in the band; edges exactly as written (45 kg is '>= 45 kg')."""
        return {
            "<": measured < self.value,
            "<=": measured <= self.value,
            ">": measured > self.value,
            ">=": measured >= self.value,
        }[self.operator]

    def __str__(self) -> str:
        symbol = {"<=": "≤", ">=": "≥"}.get(self.operator, self.operator)
        return f"{symbol} {format_number(self.value)} {self.unit}"


class Plain:
    """A validated model's fields without pydantic: frozen, compared and hashed by class and fields."""

    #: The model's fields, in its order: what an instance holds, and what a cache entry must give.
    FIELDS: ClassVar[tuple[str, ...]] = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen: '{name}' cannot be set")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen: '{name}' cannot be deleted")

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash((type(self), *(self.__dict__[name] for name in self.FIELDS)))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{n}={self.__dict__[n]!r}' for n in self.FIELDS)})"


def make(cls: type[P], values: dict[str, Any]) -> P:
    """An instance of a plain class holding `values` (exactly its fields), without validation."""
    if tuple(values) != cls.FIELDS:
        raise ValueError(f"{cls.__name__} has the fields {cls.FIELDS}, not {tuple(values)}")
    made = object.__new__(cls)
    made.__dict__.update(values)
    return made


def plain_class(kind: type) -> type[Plain]:
    """The plain class a model inherits (the model's own class when it is plain already)."""
    return next(c for c in kind.__mro__ if c.__module__ == __name__)


def plain_tree(value: Any) -> Any:
    """A validated model tree as plain instances; lists, tuples and dicts are walked, other values
    (text, numbers, `DoseAmount`, `Threshold`) are kept as they are (they are frozen)."""
    if isinstance(value, Plain):
        cls = plain_class(type(value))
        return make(cls, {name: plain_tree(getattr(value, name)) for name in cls.FIELDS})
    if isinstance(value, list):
        return [plain_tree(item) for item in value]
    if isinstance(value, tuple):
        return tuple(plain_tree(item) for item in value)
    if isinstance(value, dict):
        return {key: plain_tree(item) for key, item in value.items()}
    return value


class Source(Plain):
    """A document numbers are taken from; regimen lines cite it by its key."""

    FIELDS = ("kind", "citation", "doi", "trial", "note")


class Flag(Plain):
    """Something a pharmacist must see on every output: seed vs label, an institutional choice…"""

    FIELDS = ("kind", "text", "source")


class WeightFlag(Flag):
    """A flag raised only for patients whose weight meets the condition."""

    FIELDS = ("kind", "text", "source", "weight")


class DoseSpec(Plain):
    """A prescribed dose: amount per basis, optional range maximum, optional per-dose cap."""

    FIELDS = ("basis", "amount", "amount_max", "cap", "cap_source")


class Band(Plain):
    """One band of a banded dose, by weight, age or both (blinatumomab ≥ 45 kg fixed, < 45 kg per m²)."""

    FIELDS = ("weight", "age", "label", "dose")

    def holds(self, weight_kg: float, age_years: float | None) -> bool:
        """Whether a patient falls in the band; an age band needs the age (the caller refuses without it)."""
        weight_ok = self.weight is None or self.weight.holds(weight_kg)
        age_ok = self.age is None or (age_years is not None and self.age.holds(age_years))
        return weight_ok and age_ok


class Taper(Plain):
    """Steps after the line's own days: `amounts[i]` is given for `step_days` days from `start_day`."""

    FIELDS = ("start_day", "step_days", "amounts")

    def steps(self) -> list[tuple[tuple[int, ...], Any]]:
        """(days, amount) for each taper step."""
        return [
            (tuple(range(self.start_day + i * self.step_days, self.start_day + (i + 1) * self.step_days)), amount)
            for i, amount in enumerate(self.amounts)
        ]


class DrugLine(Plain):
    """One drug of a cycle: what, how, which days, how much, and where the numbers came from."""

    FIELDS = ("drug", "route", "days", "dose", "bands", "taper", "source", "note", "flags", "weight_flags")


class BranchOption(Plain):
    """One arm of a response branch and the lines it adds."""

    FIELDS = ("id", "name", "when", "lines", "note")


class Branch(Plain):
    """A choice made on a response assessment (seed 003: no CR/CRi at day 22 → 2 more weeks)."""

    FIELDS = ("id", "name", "decided_on_day", "default", "options", "source")


class Phase(Plain):
    """A run of identical cycles: length, count (fixed or maximum), lines and branches."""

    FIELDS = ("id", "name", "cycles", "max_cycles", "length_days", "lines", "branches", "source", "note")

    def all_lines(self) -> list[DrugLine]:
        """Every line of the phase, the lines of every branch arm included."""
        return [*self.lines, *(line for b in self.branches for o in b.options for line in o.lines)]

    @property
    def cycle_count(self) -> int:
        """How many cycles the phase plans (its fixed count or its maximum)."""
        return self.cycles if self.cycles is not None else self.max_cycles  # type: ignore[no-any-return]


class AgeRange(Plain):
    """Eligible ages in years, inclusive."""

    FIELDS = ("min", "max")


class Eligibility(Plain):
    """Who the regimen was written for."""

    FIELDS = ("age_years", "text", "source")


#: The comparison fields of a check, in the order they are named.
COMPARISONS = (
    "grade_at_least",
    "grade_at_most",
    "below",
    "at_least",
    "above_uln",
    "at_most_uln",
    "events_at_least",
    "below_baseline",
    "at_least_baseline",
)


class Check(Plain):
    """One thing a rule looks at: a lab (grade, value or multiple of ULN) or a toxicity grade."""

    FIELDS = ("lab", "toxicity", "response_not_in", *COMPARISONS, "marrow_in", "all_of")

    def comparisons(self) -> list[str]:
        """The comparison fields that are set."""
        return [f for f in COMPARISONS if getattr(self, f) is not None]


class Condition(Plain):
    """Checks combined: `any` (at least one holds) or `all` (every one holds)."""

    FIELDS = ("any", "all")

    def checks(self) -> list[Check]:
        """The checks, whichever way they are combined."""
        return self.any or self.all or []  # type: ignore[no-any-return]


class RestartStep(Plain):
    """After an interruption, a lower dose for `days` days (the dose of cycle `like_cycle` day `like_day`)."""

    FIELDS = ("like_cycle", "like_day", "days")


class Rule(Plain):
    """A toxicity- or lab-triggered change, checked before each dose of its drugs or at each cycle start."""

    FIELDS = (
        "id",
        "name",
        "drugs",
        "check",
        "on_day",
        "from_cycle",
        "applies_if_baseline",
        "when",
        "action",
        "recover_when",
        "recover_for_days",
        "restart_step",
        "max_interruption_days",
        "on_long_interruption",
        "max_resolution_days",
        "at_step_dose",
        "reduce_percent",
        "reduce_to_level",
        "max_delay_days",
        "on_max_delay",
        "ctcae_version",
        "source",
        "flags",
    )


class DoseLevel(Plain):
    """A named dose level of a drug as a percentage of the planned dose ('-1': 75 %)."""

    FIELDS = ("drug", "name", "percent", "source")


class Spacing(Plain):
    """A minimum number of days between two doses of a drug, and how far a dose may move."""

    FIELDS = ("drug", "min_days", "window_days", "source")


class RuleException(Plain):
    """A drug file's rule that does not apply in this regimen, and why (with a source)."""

    FIELDS = ("rule", "reason", "source")


class Intrathecal(Plain):
    """Intrathecal therapy the regimen's source gives with it (CNS prophylaxis or treatment)."""

    FIELDS = ("id", "name", "agents", "count", "phase", "days", "when", "source", "flags")


class Regimen(Plain):
    """A whole regimen file."""

    FIELDS = (
        "schema_version",
        "id",
        "name",
        "version",
        "indication",
        "eligibility",
        "sources",
        "flags",
        "notes",
        "ctcae_version",
        "phases",
        "rules",
        "rule_exceptions",
        "spacing",
        "dose_levels",
        "intrathecal",
    )

    def all_lines(self) -> list[DrugLine]:
        """Every line of every phase, branch arms included, in file order."""
        return [line for phase in self.phases for line in phase.all_lines()]


class EventLine(Plain):
    """Something given or done before dose events: a premedication, supervision, a requirement."""

    FIELDS = ("id", "kind", "text", "before", "agent", "route", "dose", "age", "cycles", "source")


class Admission(Plain):
    """A hospital admission (or supervision) for the first `days` days of the drug's `cycle`-th cycle."""

    FIELDS = ("id", "kind", "cycle", "days", "text", "source")


class AdministrationNote(Plain):
    """How the drug is given or labelled: a route label, infusion duration, bag, daily dosing, a warning."""

    FIELDS = ("id", "kind", "text", "weight", "age", "on_every_dose", "source")


class DrugFile(Plain):
    """Everything the project knows about one drug that holds in every regimen giving it."""

    FIELDS = (
        "schema_version",
        "drug",
        "sources",
        "rules",
        "spacing",
        "notes",
        "events",
        "admissions",
        "administration",
    )


def file_stem(drug: str) -> str:
    """The file name (without '.yaml') a drug's file has: 'inotuzumab ozogamicin' → 'inotuzumab-ozogamicin'."""
    return drug.replace(" ", "-")
