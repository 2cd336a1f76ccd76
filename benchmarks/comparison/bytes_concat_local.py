# expect: flag | target: py311 (bytes has no in-place path: quadratic even for a local)
def read_all(chunks):
    data = b""
    for chunk in chunks:
        data += chunk
    return data
