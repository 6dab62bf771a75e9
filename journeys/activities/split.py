"""Split: send profiles down paths at random by weight (deterministic per profile and node)."""

from journeys import guardrails

from .base import Activity, Names, Port, SettingsCheck, svg


class Split(Activity):
    type = "split"
    label = "Split"
    category = "orchestration"
    description = "Divide profiles between paths by percentage (A/B tests)."
    icon = svg('<path d="M4 12h6l4-6h6M10 12l4 6h6"/><path d="m18 4 2 2-2 2M18 16l2 2-2 2"/>')
    colour = "#7c3aed"

    def default_config(self, *, previous=None):
        return {"weights": [50, 50]}

    def check_settings(self, check: SettingsCheck) -> None:
        check.known_keys("weights")
        weights = check.config.get("weights")
        if not weights:
            check.missing("weights", "set the weight of each path, e.g. [50, 50]")
            return
        if not isinstance(weights, list) or not 2 <= len(weights) <= guardrails.MAX_PATHS:
            check.invalid("weights", f"must be a list of 2 to {guardrails.MAX_PATHS} weights")
            return
        for index, weight in enumerate(weights):
            if not isinstance(weight, int) or isinstance(weight, bool) or weight <= 0:
                check.invalid(f"weights[{index}]", "must be a positive whole number")

    def ports(self, config):
        weights = config.get("weights") if isinstance(config.get("weights"), list) else []
        numeric = [w for w in weights if isinstance(w, int) and not isinstance(w, bool) and w > 0]
        total = sum(numeric) if len(numeric) == len(weights) else 0
        return [
            Port(f"path-{index}", f"{round(100 * weight / total)}%" if total else f"Path {index}")
            for index, weight in enumerate(weights, start=1)
        ]

    def summary(self, config, names: Names) -> str:
        return " / ".join(port.label for port in self.ports(config))
