-- The foreign key from objects to collections ran a referential check per inserted row: about
-- 4 ms of database time per 1,000-object envelope, a fifth of the insert. Every write of objects
-- already holds its collection's row (FOR UPDATE under the collection lock, or the collection was
-- created in the same transaction by an import), so the check could never fail. What the key also
-- did, deleting a collection's objects with it, a trigger on collections keeps: it fires per
-- deleted collection, which the hub itself never does, and costs an insert nothing.
ALTER TABLE objects DROP CONSTRAINT objects_collection_pk_fkey;
--> statement-breakpoint
CREATE FUNCTION delete_collection_objects() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM objects WHERE collection_pk = OLD.pk;
  RETURN OLD;
END
$$;
--> statement-breakpoint
CREATE TRIGGER collections_delete_objects BEFORE DELETE ON collections
  FOR EACH ROW EXECUTE FUNCTION delete_collection_objects();
