"""Marks lockoutTime as indexed (searchFlags bit 0) in a stopped bench DC's schema; Samba rebuilds its indexes at the
next start. Shows what an index on lockoutTime does to the lockout scan (an AD admin can set the same flag).

Run with /usr/bin/python3: index-lockout-time.py SMB_CONF SAM_LDB. Bench DCs only.
"""

import sys

import ldb
from samba.auth import system_session
from samba.param import LoadParm
from samba.samdb import SamDB

smb_conf, sam_ldb = sys.argv[1:3]
lp = LoadParm()
lp.load(smb_conf)
lp.set("dsdb:schema update allowed", "yes")
samdb = SamDB(url=sam_ldb, session_info=system_session(), lp=lp)
found = samdb.search(base=str(samdb.get_schema_basedn()), expression="(lDAPDisplayName=lockoutTime)", attrs=["searchFlags"])
message = ldb.Message()
message.dn = found[0].dn
message["searchFlags"] = ldb.MessageElement(str(int(str(found[0].get("searchFlags", "0"))) | 1), ldb.FLAG_MOD_REPLACE, "searchFlags")
samdb.modify(message)
