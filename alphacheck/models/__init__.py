"""Model variants, device selection and seeding (torch imported lazily)."""

from alphacheck.models.device import DEVICES, resolve_device, set_cpu_threads
from alphacheck.models.registry import VARIANTS, VariantSpec, get_variant, parameter_count
from alphacheck.models.seeding import seed_everything

__all__ = [
    "DEVICES",
    "VARIANTS",
    "VariantSpec",
    "get_variant",
    "parameter_count",
    "resolve_device",
    "seed_everything",
    "set_cpu_threads",
]
