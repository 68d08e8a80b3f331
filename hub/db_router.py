"""The database router: reads of the entry points marked `reads_from_replica` go to the
replica when it is safe and it answers, everything else to the primary (rules in
hub/replica.py). Without DATABASE_REPLICA_URL it answers None everywhere: Django's default."""

from hub import replica


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return replica.alias_for_read(model)

    def db_for_write(self, model, **hints):
        return replica.PRIMARY if replica.configured() else None

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the same rows as the primary.
        aliases = {replica.PRIMARY, replica.ALIAS}
        if obj1._state.db in aliases and obj2._state.db in aliases:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica follows the primary's WAL; nothing is ever migrated on it.
        return False if db == replica.ALIAS else None
