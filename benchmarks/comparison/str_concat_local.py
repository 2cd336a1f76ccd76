# expect: clean | target: py311 (a plain local `s += piece` is resized in place: linear)
def render(rows):
    text = ""
    for row in rows:
        text += f"{row}\n"
    return text
