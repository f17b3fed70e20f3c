"""Prints "<NTDS Settings objectGUID> <dnsHostName>" for every DC of a (stopped or running) Samba AD domain.

Run with /usr/bin/python3 (Samba's Python bindings load only there):
    ntds-guids.py SMB_CONF SAM_LDB

DCs find their replication partners by "<guid>._msdcs.<forest>"; the harness maps those names in each DC's hosts file.
"""

import sys

from samba.auth import system_session
from samba.dcerpc import misc
from samba.ndr import ndr_unpack
from samba.param import LoadParm
from samba.samdb import SamDB

smb_conf, sam_ldb = sys.argv[1:3]
lp = LoadParm()
lp.load(smb_conf)
samdb = SamDB(url=sam_ldb, session_info=system_session(), lp=lp)
sites = "CN=Sites," + str(samdb.get_config_basedn())
for settings in samdb.search(base=sites, expression="(objectClass=nTDSDSA)", attrs=["objectGUID"]):
    server = samdb.search(base=settings.dn.parent(), scope=0, attrs=["dNSHostName"])[0]
    print(str(ndr_unpack(misc.GUID, settings["objectGUID"][0])), str(server["dNSHostName"][0]).lower())
