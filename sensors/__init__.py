"""Landing-zone sensors: a new file in the landing zone starts exactly the work it needs.

Empty until the sensors land; `platform/graduated_platform/definitions.py` will register them.
"""
