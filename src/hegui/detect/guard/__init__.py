"""Guard-model detector: Llama Guard 3/4 and Qwen3Guard-Gen behind an OpenAI-compatible API.

``GuardDetector(GuardConfig(...))`` builds the model's own moderation prompt, parses its
verdict and maps its categories onto hegui labels through ``categories.yaml``.
"""

from hegui.detect.guard._config import GuardConfig, GuardFamily
from hegui.detect.guard._detector import GuardAssessment, GuardDetector
from hegui.detect.guard._parse import GuardOutputError, GuardReading, SafetyTier, parse_output
from hegui.detect.guard._prompts import GuardPrompt, build_prompt
from hegui.detect.guard._taxonomy import FamilyTaxonomy, GuardCategory, labels_covered, taxonomy

__all__ = [
    "FamilyTaxonomy",
    "GuardAssessment",
    "GuardCategory",
    "GuardConfig",
    "GuardDetector",
    "GuardFamily",
    "GuardOutputError",
    "GuardPrompt",
    "GuardReading",
    "SafetyTier",
    "build_prompt",
    "labels_covered",
    "parse_output",
    "taxonomy",
]
