"""Bulk-loads bench users into a stopped Samba AD DC's sam.ldb, in one transaction (the lockout-scan bench).

Run with /usr/bin/python3 (Samba's Python bindings load only there):
    bulk-users.py SMB_CONF SAM_LDB FIRST COUNT WITH_PASSWORD PASSWORD

Adds users bench-<n> for n in [FIRST, FIRST+COUNT) to OU=Bench (created when missing). The first WITH_PASSWORD of
them get PASSWORD (so they can be locked with bad binds); the others are enabled accounts without a password
(PASSWD_NOTREQD), which is enough to fill the directory. Bench data only: never run against a DC that matters.
"""

import sys
import time

import ldb
from samba.auth import system_session
from samba.param import LoadParm
from samba.samdb import SamDB

smb_conf, sam_ldb, first, count, with_password, password = sys.argv[1:7]
first, count, with_password = int(first), int(count), int(with_password)

lp = LoadParm()
lp.load(smb_conf)
samdb = SamDB(url=sam_ldb, session_info=system_session(), lp=lp)
base_dn = str(samdb.domain_dn())
realm = lp.get("realm").lower()
ou_dn = f"OU=Bench,{base_dn}"

started = time.monotonic()
CHUNK = 500  # one transaction per chunk: a single huge transaction gets slower with every add


def add_range(start, stop):
    samdb.transaction_start()
    try:
        for n in range(start, stop):
            name = f"bench-{n:05d}"
            entry = {
                "dn": f"CN={name},{ou_dn}",
                "objectClass": ["top", "person", "organizationalPerson", "user"],
                "sAMAccountName": name,
                "userPrincipalName": f"{name}@{realm}",
                "displayName": f"Bench {n}",
            }
            if n - first < with_password:
                entry["userAccountControl"] = "512"
                entry["unicodePwd"] = f'"{password}"'.encode("utf-16-le")
            else:
                entry["userAccountControl"] = "544"  # NORMAL_ACCOUNT | PASSWD_NOTREQD
            samdb.add(entry)
        samdb.transaction_commit()
    except Exception:
        samdb.transaction_cancel()
        raise


if not samdb.search(base=base_dn, scope=ldb.SCOPE_ONELEVEL, expression="(ou=Bench)", attrs=["ou"]):
    samdb.add({"dn": ou_dn, "objectClass": "organizationalUnit", "ou": "Bench"})
for chunk_start in range(first, first + count, CHUNK):
    add_range(chunk_start, min(chunk_start + CHUNK, first + count))
print(f"added {count} users in {time.monotonic() - started:.1f} s")
