import torch

from alphacheck.models import set_cpu_threads


def test_cpu_thread_budget_applies_to_the_cpu_only():
    before = torch.get_num_threads()
    try:
        set_cpu_threads("cpu", 1)
        assert torch.get_num_threads() == 1
        set_cpu_threads("meta", 3)  # not the CPU: left alone
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
