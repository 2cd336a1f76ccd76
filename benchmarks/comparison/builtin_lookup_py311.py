# expect: clean | target: py311 (3.11+ caches global and builtin lookups: no gain)
def total_length(items):
    total = 0
    for item in items:
        total += len(item)
    return total
