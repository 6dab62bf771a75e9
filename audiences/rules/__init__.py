"""The rule format: one representation for audiences, event-ID conditions and journey
conditions (see `../shared/API.md`, "Rules").

    {"all": [{"field": "city", "op": "in", "value": ["Atlanta", "Seattle"]},
             {"any": [...]}, {"not": {...}}]}

- `validation.validate_rule` checks a rule against a palette of typed fields and returns
  errors carrying the path of the offending part (`rule.all[1].value`).
- `sql.rule_to_q` compiles a valid rule to a Django `Q` (sets of profiles, in SQL).
- `evaluate.rule_matches` evaluates a valid rule on one record in Python (one profile, one
  event payload, one journey run's context).

Both back-ends share the same semantics, including for missing values (see `evaluate`); a
hypothesis property test holds them to it. Rules are data: nothing is ever `eval`-ed.
"""

from .evaluate import rule_matches
from .fields import PROFILE_FIELDS, FieldSpec, FieldType
from .sql import rule_to_q
from .validation import MAX_CONDITIONS, MAX_DEPTH, OPERATORS, RuleError, validate_rule

__all__ = [
    "MAX_CONDITIONS",
    "MAX_DEPTH",
    "OPERATORS",
    "PROFILE_FIELDS",
    "FieldSpec",
    "FieldType",
    "RuleError",
    "rule_matches",
    "rule_to_q",
    "validate_rule",
]
