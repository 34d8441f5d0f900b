"""Creates data/shop.db, the quickstart's SQLite database (committed; re-run to rebuild)."""
import sqlite3
from pathlib import Path

path = Path(__file__).with_name("shop.db")
path.unlink(missing_ok=True)
db = sqlite3.connect(path)
db.execute("create table orders (id integer primary key, month text, region text, product text, units integer, amount real)")
rows = []
products = ["widget", "gadget", "gizmo"]
for m in range(1, 13):
    for r, region in enumerate(["north", "south", "east"]):
        for p, product in enumerate(products):
            units = (m * 7 + r * 3 + p * 5) % 11 + 1
            amount = round(units * (9.5 + p * 4.25) * (1 + (m % 4) / 10), 2)
            rows.append((f"2024-{m:02d}", region, product, units, amount))
db.executemany("insert into orders (month, region, product, units, amount) values (?, ?, ?, ?, ?)", rows)
db.commit()
db.close()
print(f"wrote {len(rows)} orders to {path}")
