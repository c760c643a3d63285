"""How the connector tunes the interpreter for a sync: settings of the process, not of the CDK or the driver.

Each buys a measured share of a sync's CPU or memory (bench/README.md, "What each internal buys").
"""

import gc


def tune_garbage_collector() -> None:
    """Keeps the cyclic garbage collector off the objects that live for the whole sync while pages are decoded.

    The CDK leaves many long-lived objects after start-up, which the collector would walk again at
    every collection while pages allocate tens of thousands of objects each; freezing them keeps them
    out, and since records are acyclic (freed by reference counting once written) collections can
    run far less often. The benchmark measures what it buys (bench/variant.py `gc_tuning`).
    """
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
