"""Personal-data detection: Chinese resident ID numbers, phone numbers, bank cards, e-mail.

``PiiDetector`` scores texts for the cascade; ``find_pii`` lists typed findings; ``redact``
replaces them with placeholders such as ``[PHONE]`` (used by the audit log).
"""

from hegui.detect.pii._detector import PiiDetector
from hegui.detect.pii._finders import PiiFinding, PiiKind, find_pii, redact

__all__ = ["PiiDetector", "PiiFinding", "PiiKind", "find_pii", "redact"]
