"""
A client nobody at labeljoin wrote: confluent-kafka (librdkafka) with its
Schema Registry serializers, fastavro underneath. Used by
test/integration/interop/third-party-clients.test.ts, run in a virtual
environment the test makes (test/helpers/python.ts).

  produce  sends deterministic views and engagements of the foreign shape
           (schemas/foreign/impression.avsc, interaction.avsc) with Producer +
           AvroSerializer, and writes the labels the join must give them.
  consume  reads a samples topic from the beginning to its end with Consumer +
           AvroDeserializer: the writer schema comes from the registry by the
           id in each record; nothing of labeljoin is known here.

Both print one JSON object on stdout; progress and errors go to stderr.
"""
import argparse
import datetime
import json
import sys

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

BASE_S = 1_767_225_600.0  # 2026-01-01T00:00:00Z
LABELS = {"LIKE": "like", "SHARE": "share", "COMMENT": "comment", "SAVE": "favorite", "VIDEO_PLAY": "play", "SKIP": "skip"}
SURFACES = ["HOME", "TRENDING", "FOLLOWING", "VIDEO", "SEARCH", "PROFILE", "OTHER"]


def view_id(i):
    return "00000000-0000-4000-8000-%012d" % i


def events(views):
    """Views 2 s apart; each view's engagements by i % 6 (delays in s, multiples of 1/4, exact in a double)."""
    vs, es = [], []
    n = 0

    def engagement(user, item, kind, at_s, impression):
        nonlocal n
        n += 1
        es.append({"interaction_id": "e-%d" % n, "user_id": user, "item": {"id": item}, "kind": kind, "at_s": at_s, "impression_id": impression})

    for i in range(views):
        user, item, ts = "u-%d" % (i % 10), "p-%d" % (1000 + i), BASE_S + 2 * i + 0.25
        vs.append({
            "impression_id": view_id(i),
            "user": {"id": user, "region": "IN-KA", "language": None if i % 2 else "hi"},
            "item_id": item,
            "shown_at_s": ts,
            "placement": {"surface": SURFACES[i % 7], "rank": i % 10},
            "client": {"platform": "android" if i % 3 else "ios", "app_version": "7.%d.0" % (i % 4)},
            "features": {"ctr_7d": i / 100.0, "dwell_s": float(i * 3)},
        })
        case = i % 6
        if case == 1:    # a like naming the view; a share after the window
            engagement(user, item, "LIKE", ts + 3.5, view_id(i))
            engagement(user, item, "SHARE", ts + 75.0, None)
        elif case == 2:  # a comment; two saves, the earliest counts
            engagement(user, item, "COMMENT", ts + 12.25, None)
            engagement(user, item, "SAVE", ts + 45.0, view_id(i))
            engagement(user, item, "SAVE", ts + 30.0, None)
        elif case == 3:  # a play and a skip; a like 30 s before the view (beyond the 10 s skew)
            engagement(user, item, "VIDEO_PLAY", ts + 0.5, None)
            engagement(user, item, "SKIP", ts + 58.0, view_id(i))
            engagement(user, item, "LIKE", ts - 30.0, None)
        elif case == 4:  # a like 5 s before the view (inside the skew: a negative delay); a share naming another view
            engagement(user, item, "LIKE", ts - 5.0, None)
            engagement(user, item, "SHARE", ts + 8.0, view_id(i + 1000))
        elif case == 5:  # every type at once
            for k, kind in enumerate(LABELS):
                engagement(user, item, kind, ts + 1.0 + k, None)
        # case 0: no engagement at all
    # The same engagement sent twice (one event id): counted once.
    es.append(dict(es[0]))
    # An engagement of an item never shown.
    engagement("u-3", "p-999999", "LIKE", BASE_S + 40.0, None)
    es.sort(key=lambda e: e["at_s"])
    return vs, es


def expected_labels(vs, es, window_s, skew_s):
    """The join rule, written here again: same user and item, the view named or none, view.ts - skew <= e.ts <= view.ts + window."""
    seen, unique = set(), []
    for e in es:
        if e["interaction_id"] not in seen:
            seen.add(e["interaction_id"])
            unique.append(e)
    out = {}
    for v in vs:
        labels = {t: 0 for t in LABELS.values()}
        delays = {t: None for t in LABELS.values()}
        for e in unique:
            if e["user_id"] != v["user"]["id"] or e["item"]["id"] != v["item_id"]:
                continue
            if e["impression_id"] is not None and e["impression_id"] != v["impression_id"]:
                continue
            if not (v["shown_at_s"] - skew_s <= e["at_s"] <= v["shown_at_s"] + window_s):
                continue
            t = LABELS[e["kind"]]
            delay = round((e["at_s"] - v["shown_at_s"]) * 1000)
            labels[t] = 1
            if delays[t] is None or delay < delays[t]:
                delays[t] = delay
        out[v["impression_id"]] = {"user": v["user"]["id"], "labels": labels, "delays_ms": delays}
    return out


def produce(a):
    registry = SchemaRegistryClient({"url": a.registry})
    with open(a.view_schema) as f:
        view_ser = AvroSerializer(registry, f.read())
    with open(a.engagement_schema) as f:
        engagement_ser = AvroSerializer(registry, f.read())
    # murmur2_random is the Java client's partitioner (murmur2 of the key; random only for a null key).
    # librdkafka's default, consistent_random, hashes with CRC32: it would still put a user's views and
    # engagements in the same partition number (one partitioner for both topics is all the join needs),
    # but not where a Java producer, the simulator or Kafka's tools put that key.
    # --engagements-partitioner consistent_random (librdkafka's default) makes the case of a team whose
    # views come from a Java service and engagements from a Python one.
    producers = {
        "views": Producer({"bootstrap.servers": a.brokers, "partitioner": "murmur2_random", "enable.idempotence": True, "linger.ms": 5}),
        "engagements": Producer({"bootstrap.servers": a.brokers, "partitioner": a.engagements_partitioner, "enable.idempotence": True, "linger.ms": 5}),
    }
    failures = []

    def report(err, _msg):
        if err is not None:
            failures.append(str(err))

    vs, es = events(a.views)
    inputs = (
        ("views", a.views_topic, view_ser, vs, lambda v: v["user"]["id"], lambda v: v["shown_at_s"]),
        ("engagements", a.engagements_topic, engagement_ser, es, lambda e: e["user_id"], lambda e: e["at_s"]),
    )
    # --record-timestamps event sets each record's timestamp to its event time (as the simulator does);
    # now (the default) leaves it to librdkafka: the time of the produce call.
    for which, topic, ser, records, key, event_s in inputs:
        producer = producers[which]
        for r in records:
            value = ser(r, SerializationContext(topic, MessageField.VALUE))
            extra = {"timestamp": int(round(event_s(r) * 1000))} if a.record_timestamps == "event" else {}
            producer.produce(topic, key=key(r).encode(), value=value, on_delivery=report, **extra)
            producer.poll(0)
    left = sum(producer.flush(60) for producer in producers.values())
    if left or failures:
        raise SystemExit("produce failed: %d not delivered, errors: %s" % (left, failures[:3]))
    with open(a.expected, "w") as f:
        json.dump(expected_labels(vs, es, a.window_s, a.skew_s), f)
    print(json.dumps({"views": len(vs), "engagements": len(es)}))


def plain(value):
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, datetime.datetime):
        return round(value.timestamp() * 1000)
    raise TypeError("not JSON: %r" % type(value))


def consume(a):
    registry = SchemaRegistryClient({"url": a.registry})
    deserializer = AvroDeserializer(registry)  # no reader schema: the writer's, from the registry
    consumer = Consumer({"bootstrap.servers": a.brokers, "group.id": a.group, "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    try:
        meta = consumer.list_topics(a.topic, timeout=30)
        partitions = sorted(meta.topics[a.topic].partitions)
        ends = {p: consumer.get_watermark_offsets(TopicPartition(a.topic, p), timeout=30)[1] for p in partitions}
        todo = {p for p in partitions if ends[p] > 0}
        consumer.assign([TopicPartition(a.topic, p, 0) for p in partitions])
        samples = []
        while todo:
            msg = consumer.poll(30)
            if msg is None:
                raise SystemExit("no record for 30 s; still to read: %s" % sorted(todo))
            if msg.error():
                raise KafkaException(msg.error())
            value = deserializer(msg.value(), SerializationContext(a.topic, MessageField.VALUE))
            schema_id = int.from_bytes(msg.value()[1:5], "big")
            samples.append({"key": msg.key().decode(), "partition": msg.partition(), "schema_id": schema_id, "value": value})
            if msg.offset() + 1 >= ends[msg.partition()]:
                todo.discard(msg.partition())
    finally:
        consumer.close()
    print(json.dumps({"samples": samples}, default=plain))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="command", required=True)
    pr = sub.add_parser("produce")
    pr.add_argument("--brokers", required=True)
    pr.add_argument("--registry", required=True)
    pr.add_argument("--views-topic", required=True)
    pr.add_argument("--engagements-topic", required=True)
    pr.add_argument("--view-schema", required=True)
    pr.add_argument("--engagement-schema", required=True)
    pr.add_argument("--views", type=int, default=60)
    pr.add_argument("--window-s", type=float, default=60.0)
    pr.add_argument("--skew-s", type=float, default=10.0)
    pr.add_argument("--expected", required=True)
    pr.add_argument("--engagements-partitioner", default="murmur2_random")
    pr.add_argument("--record-timestamps", choices=["now", "event"], default="now")
    co = sub.add_parser("consume")
    co.add_argument("--brokers", required=True)
    co.add_argument("--registry", required=True)
    co.add_argument("--topic", required=True)
    co.add_argument("--group", required=True)
    a = p.parse_args()
    produce(a) if a.command == "produce" else consume(a)


if __name__ == "__main__":
    sys.exit(main())
