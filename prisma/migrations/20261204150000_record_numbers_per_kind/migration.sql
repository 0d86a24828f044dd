-- Record numbers count per kind: BR-000001, DEV-000001, EXC-000001, DOC-000001 (before, one
-- counter ran across kinds, so the first deviation could be DEV-000007). Existing numbers stay as
-- they are: each kind's counter continues after the highest number that kind already has, so no
-- number is reused. record_number_seq is kept for the history of migrations, no longer used.

CREATE SEQUENCE record_number_batch_record_seq;
CREATE SEQUENCE record_number_deviation_seq;
CREATE SEQUENCE record_number_excursion_seq;
CREATE SEQUENCE record_number_document_seq;

SELECT setval('record_number_batch_record_seq', COALESCE((SELECT max(substring(number FROM '[0-9]+$')::bigint) FROM records WHERE kind = 'batch_record'), 0) + 1, false);
SELECT setval('record_number_deviation_seq', COALESCE((SELECT max(substring(number FROM '[0-9]+$')::bigint) FROM records WHERE kind = 'deviation'), 0) + 1, false);
SELECT setval('record_number_excursion_seq', COALESCE((SELECT max(substring(number FROM '[0-9]+$')::bigint) FROM records WHERE kind = 'excursion'), 0) + 1, false);
SELECT setval('record_number_document_seq', COALESCE((SELECT max(substring(number FROM '[0-9]+$')::bigint) FROM records WHERE kind = 'document'), 0) + 1, false);

-- The next number of a kind; an unknown kind is an error, never a number from another counter.
CREATE FUNCTION custos_next_record_number(p_kind text) RETURNS bigint
  LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  CASE p_kind
    WHEN 'batch_record' THEN RETURN nextval('record_number_batch_record_seq');
    WHEN 'deviation' THEN RETURN nextval('record_number_deviation_seq');
    WHEN 'excursion' THEN RETURN nextval('record_number_excursion_seq');
    WHEN 'document' THEN RETURN nextval('record_number_document_seq');
    ELSE RAISE EXCEPTION 'no record number counter for kind %', p_kind;
  END CASE;
END;
$$;

GRANT USAGE, SELECT ON SEQUENCE record_number_batch_record_seq, record_number_deviation_seq, record_number_excursion_seq, record_number_document_seq TO custos_app;
GRANT EXECUTE ON FUNCTION custos_next_record_number(text) TO custos_app;
