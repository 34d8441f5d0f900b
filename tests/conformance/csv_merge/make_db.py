"""Create data.db for this conformance case (python3 make_db.py)."""
import os
import sqlite3

HERE = os.path.dirname(os.path.abspath(__file__))
PATH = os.path.join(HERE, "data.db")

ROWS = [
    # month, region, amount, units
    ("2024-01", "north", 20.0, 2),
    ("2024-01", "south", 15.0, 1),
    ("2024-02", "north", 7.5, 3),
    ("2024-02", "south", 12.0, 2),
    ("2024-03", "south", 8.0, 1),
    ("2024-04", "north", 3.3333333333333335, 1),
]

if os.path.exists(PATH):
    os.remove(PATH)
con = sqlite3.connect(PATH)
con.execute("CREATE TABLE orders (month TEXT, region TEXT, amount REAL, units INTEGER)")
con.executemany("INSERT INTO orders VALUES (?, ?, ?, ?)", ROWS)
con.commit()
con.close()
