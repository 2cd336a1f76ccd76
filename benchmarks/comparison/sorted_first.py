# expect: flag | target: py311 (sorting to take the minimum: O(n log n) for an O(n) answer)
def smallest(values):
    return sorted(values)[0]
