# expect: flag | target: py311 (the values are unpacked and discarded)
def keys_of(mapping: dict):
    out = []
    for key, _ in mapping.items():
        out.append(key)
    return out
