"""Seeds a freshly provisioned (stopped) Samba AD domain with Blink's test fixtures, in one process.

Run with /usr/bin/python3 (Samba's Python bindings load only there):
    seed.py SMB_CONF SAM_LDB FIXTURE_PASSWORD FIXTURES_JSON

Everything here is test-only data. One process instead of ~20 samba-tool calls keeps provisioning fast.
"""

import json
import sys

import ldb
from samba.auth import system_session
from samba.dcerpc import misc
from samba.ndr import ndr_unpack
from samba.param import LoadParm
from samba.samdb import SamDB

smb_conf, sam_ldb, fixture_password, fixtures_path = sys.argv[1:5]

lp = LoadParm()
lp.load(smb_conf)
samdb = SamDB(url=sam_ldb, session_info=system_session(), lp=lp)
base_dn = str(samdb.domain_dn())
realm = lp.get("realm").lower()


def minutes(value):
    """AD stores durations as negative 100-ns intervals."""
    return str(-value * 60 * 10_000_000)


def days(value):
    return minutes(value * 24 * 60)


def modify(dn, **attributes):
    message = ldb.Message()
    message.dn = ldb.Dn(samdb, dn)
    for name, value in attributes.items():
        message[name] = ldb.MessageElement(value, ldb.FLAG_MOD_REPLACE, name)
    samdb.modify(message)


domain_policy = {
    "minPwdLength": 8,
    "complexity": True,
    "historyLength": 3,
    "lockoutThreshold": 3,
    "lockoutDurationSeconds": 30 * 60,
    "lockoutObservationWindowSeconds": 30 * 60,
    "maxPwdAgeSeconds": 42 * 24 * 3600,
    "minPwdAgeSeconds": 0,
}
modify(
    base_dn,
    pwdProperties="1",
    minPwdLength="8",
    pwdHistoryLength="3",
    lockoutThreshold="3",
    lockoutDuration=minutes(30),
    lockOutObservationWindow=minutes(30),
    maxPwdAge=days(42),
    # 0 so that tests may change a password right after a reset.
    minPwdAge="0",
)

for ou in ("OU=Staff", "OU=Blink Tests"):
    samdb.create_ou(f"{ou},{base_dn}")

users = {}


def user(key, sam, given, surname, ou=None, mail=True):
    samdb.newuser(
        sam,
        fixture_password,
        userou=ou,
        givenname=given,
        surname=surname,
        mailaddress=f"{sam}@corp.example.test" if mail else None,
    )
    found = samdb.search(base=base_dn, scope=ldb.SCOPE_SUBTREE, expression=f"(sAMAccountName={sam})", attrs=["objectGUID"])
    users[key] = {
        "samAccountName": sam,
        "dn": str(found[0].dn),
        # Samba's own string form of the GUID, to check the adapter's byte order against.
        "objectGuid": str(ndr_unpack(misc.GUID, found[0]["objectGUID"][0])),
        "userPrincipalName": f"{sam}@{realm}",
        "displayName": f"{given} {surname}",
        "mail": f"{sam}@corp.example.test" if mail else None,
    }
    return users[key]["dn"]


# Ordinary users, all in OU=Staff.
user("alice", "alice.martin", "Alice", "Martin", ou="OU=Staff")
user("bob", "bob.nguyen", "Bob", "Nguyen", ou="OU=Staff")
user("carol", "carol.diaz", "Carol", "Diaz", ou="OU=Staff")
user("dave", "dave.okafor", "Dave", "Okafor", ou="OU=Staff")

# A Domain Admins member through a nested group.
user("domainAdminNested", "erin.admin", "Erin", "Admin")
samdb.newgroup("Tier0 Operators")
samdb.add_remove_group_members("Tier0 Operators", ["erin.admin"])
samdb.add_remove_group_members("Domain Admins", ["Tier0 Operators"])

# adminCount=1 lingering after removal from admin groups (AdminSDHolder leaves it behind).
gina_dn = user("adminCountOnly", "gina.legacy", "Gina", "Legacy")
modify(gina_dn, adminCount="1")

user("disabled", "henry.disabled", "Henry", "Disabled")
samdb.disable_account("(sAMAccountName=henry.disabled)")

user("passwordNeverExpires", "ivan.noexpire", "Ivan", "Noexpire")
samdb.setexpiry("(sAMAccountName=ivan.noexpire)", 0, no_expiry_req=True)

judy_dn = user("withPso", "judy.pso", "Judy", "Pso")

# Activation group: alice, bob and gina directly, carol through a nested group.
samdb.newgroup("Blink Users")
samdb.newgroup("Blink Users Nested")
samdb.add_remove_group_members("Blink Users Nested", ["carol.diaz"])
samdb.add_remove_group_members("Blink Users", ["alice.martin", "bob.nguyen", "gina.legacy", "Blink Users Nested"])


# Admin portal roles: a technician directly, an admin through a nested group; everyone else is in neither.
user("portalTechnician", "tina.tech", "Tina", "Tech")
user("portalAdmin", "adam.itadmin", "Adam", "Itadmin")
samdb.newgroup("Blink Technicians")
samdb.newgroup("Blink Admins")
samdb.newgroup("IT Operations")
samdb.add_remove_group_members("Blink Technicians", ["tina.tech"])
samdb.add_remove_group_members("IT Operations", ["adam.itadmin"])
samdb.add_remove_group_members("Blink Admins", ["IT Operations"])


def group_dn(name):
    found = samdb.search(base=base_dn, scope=ldb.SCOPE_SUBTREE, expression=f"(sAMAccountName={name})", attrs=["dn"])
    return str(found[0].dn)


# A fine-grained password policy applied to judy.pso only.
pso_dn = f"CN=Blink Strict PSO,CN=Password Settings Container,CN=System,{base_dn}"
pso_policy = {
    "minPwdLength": 14,
    "complexity": True,
    "historyLength": 5,
    "lockoutThreshold": 5,
    "lockoutDurationSeconds": 60 * 60,
    "lockoutObservationWindowSeconds": 45 * 60,
    "maxPwdAgeSeconds": 90 * 24 * 3600,
    "minPwdAgeSeconds": 0,
}
samdb.add(
    {
        "dn": pso_dn,
        "objectClass": "msDS-PasswordSettings",
        "msDS-PasswordSettingsPrecedence": "10",
        "msDS-PasswordReversibleEncryptionEnabled": "FALSE",
        "msDS-PasswordHistoryLength": "5",
        "msDS-PasswordComplexityEnabled": "TRUE",
        "msDS-MinimumPasswordLength": "14",
        "msDS-MinimumPasswordAge": "0",
        "msDS-MaximumPasswordAge": days(90),
        "msDS-LockoutThreshold": "5",
        "msDS-LockoutObservationWindow": minutes(45),
        "msDS-LockoutDuration": minutes(60),
        "msDS-PSOAppliesTo": judy_dn,
    }
)

fixtures = {
    "realm": realm.upper(),
    "netbiosDomain": lp.get("workgroup"),
    "baseDn": base_dn,
    "administratorDn": f"CN=Administrator,CN=Users,{base_dn}",
    "fixturePassword": fixture_password,
    "ous": {"staff": f"OU=Staff,{base_dn}", "tests": f"OU=Blink Tests,{base_dn}"},
    "users": users,
    "groups": {
        "blinkUsers": {"name": "Blink Users", "dn": group_dn("Blink Users")},
        "blinkUsersNested": {"name": "Blink Users Nested", "dn": group_dn("Blink Users Nested")},
        "tier0Operators": {"name": "Tier0 Operators", "dn": group_dn("Tier0 Operators")},
        "blinkTechnicians": {"name": "Blink Technicians", "dn": group_dn("Blink Technicians")},
        "blinkAdmins": {"name": "Blink Admins", "dn": group_dn("Blink Admins")},
        "itOperations": {"name": "IT Operations", "dn": group_dn("IT Operations")},
    },
    "blinkUsersMembers": ["alice.martin", "bob.nguyen", "carol.diaz", "gina.legacy"],
    "domainPolicy": domain_policy,
    "pso": {"dn": pso_dn, "appliesTo": "judy.pso", **pso_policy},
}
with open(fixtures_path, "w", encoding="utf-8") as out:
    json.dump(fixtures, out, indent=2)
    out.write("\n")
