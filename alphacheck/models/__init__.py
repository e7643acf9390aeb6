"""Model variants, device selection and seeding (torch imported lazily).

``register`` and ``register_estimator`` add your own variants from a plugin
module (see :mod:`alphacheck.models.custom`).
"""

from alphacheck.models.custom import register, register_estimator
from alphacheck.models.device import DEVICES, resolve_device, set_cpu_threads
from alphacheck.models.params import Param
from alphacheck.models.registry import VARIANTS, VariantSpec, get_variant, parameter_count
from alphacheck.models.seeding import seed_everything

__all__ = [
    "DEVICES",
    "VARIANTS",
    "Param",
    "VariantSpec",
    "get_variant",
    "parameter_count",
    "register",
    "register_estimator",
    "resolve_device",
    "seed_everything",
    "set_cpu_threads",
]
