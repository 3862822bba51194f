"""Benchmark support: the `seed_bench` data generator and the bare view that
`make bench` measures every page against. Nothing here serves residents."""
