"""The default cascade: the shipped detectors in order of cost, configured by the policy."""

from __future__ import annotations

from pathlib import Path

from hegui.detect._cascade import Cascade, Tier, TierKind, TierRun
from hegui.detect._types import Role
from hegui.detect.classifier import EmbeddingClassifier, NgramClassifier
from hegui.detect.guard import GuardConfig, GuardDetector
from hegui.detect.keywords import KeywordDetector, KeywordLibrary
from hegui.detect.pii import PiiDetector
from hegui.policy import DEFAULT_POLICY_ID, PolicyPack, Scope, load_policy


def build_cascade(
    policy: PolicyPack | str | Path = DEFAULT_POLICY_ID,
    scope: Scope = Scope.PUBLIC,
    guard: GuardConfig | None = None,
    extra_keywords: tuple[Path, ...] = (),
) -> Cascade:
    """Build the cascade the policy asks for.

    Keywords and PII always run; the project-trained n-gram classifier always runs (it costs
    well under a millisecond); the e5 embedding classifier and a guard model (only when
    ``guard`` is given) run as the policy's ``cascade.embedded`` / ``cascade.guard`` say.
    """
    pack = policy if isinstance(policy, PolicyPack) else load_policy(policy)
    library = KeywordLibrary.load(extra=extra_keywords) if extra_keywords else KeywordLibrary.load()
    keywords = KeywordDetector(library)
    ngram = NgramClassifier()
    embedded = EmbeddingClassifier()
    tiers = [
        Tier(keywords, TierKind.LEXICAL, TierRun.ALWAYS, frozenset(library.label_counts())),
        Tier(PiiDetector(), TierKind.EXACT, TierRun.ALWAYS, frozenset({"pii"})),
        Tier(ngram, TierKind.CONTEXTUAL, TierRun.ALWAYS, frozenset(ngram.labels())),
        Tier(
            embedded,
            TierKind.CONTEXTUAL,
            TierRun(pack.cascade.embedded),
            frozenset(embedded.labels()),
            frozenset(Role(r) for r in pack.cascade.embedded_roles),
            slow=True,
        ),
    ]
    if guard is not None:
        detector = GuardDetector(guard)
        tiers.append(
            Tier(
                detector,
                TierKind.CONTEXTUAL,
                TierRun(pack.cascade.guard),
                frozenset(detector.labels_covered()),
                slow=True,
            )
        )
    return Cascade(pack, tiers, scope)
