// @ts-check
// Fan-out: one upload → one publish → every consumer, each with an idempotent effect.

/**
 * The uploaded photos: key → { camera, width, height }.
 * @param {any} r
 */
function uploads(r) {
  /** @type {Map<string, any>} */
  const out = new Map();
  const bucket = r.sim.buckets.get('uploads');
  for (const rec of r.where('stored', 'uploads')) {
    if (out.has(rec.id) || !String(rec.id).endsWith('.jpg')) continue;
    const obj = bucket.get(rec.id);
    out.set(rec.id, obj ? JSON.parse(obj.body) : {});
  }
  return out;
}

/**
 * Why a function failed, if it did: "<n> failed invocations (first: <error>)".
 * @param {any} r
 * @param {string} fn
 */
function failures(r, fn) {
  const failed = r.where('failed', fn);
  if (!failed.length) return '';
  return `${fn} failed ${failed.length} times (first: ${String(failed[0].detail?.error ?? 'unknown error')})`;
}

/**
 * Does `text` name the upload `key` ('photos/7.jpg' → 'photos/7' not followed by a digit)?
 * @param {string} text
 * @param {string} key
 */
function names(text, key) {
  const stem = key.replace(/\.jpg$/, '');
  const at = text.indexOf(stem);
  return at >= 0 && !/\d/.test(text.charAt(at + stem.length));
}

/**
 * One object per upload in `bucketName`?
 * @param {any} r
 * @param {string} bucketName
 * @param {string} fn
 * @param {string} what
 */
function onePerUpload(r, bucketName, fn, what) {
  const ups = uploads(r);
  const keys = r.sim.buckets.get(bucketName).list().map((/** @type {any} */ o) => o.key);
  const missing = [...ups.keys()].filter((k) => !keys.some((/** @type {string} */ o) => names(o, k)));
  const extra = keys.length - (ups.size - missing.length);
  const pass = ups.size > 0 && missing.length === 0 && extra === 0;
  const why = failures(r, fn);
  return {
    pass,
    expected: `exactly one ${what} in ${bucketName} per uploaded photo (${ups.size})`,
    actual: `${keys.length} objects; ${missing.length} photos without one${why ? `; ${why}` : ''}`,
    message: pass
      ? `Every photo has exactly one ${what}.`
      : missing.length
        ? `${missing.length} of ${ups.size} photos have no ${what}${why ? `: ${why}. Each SQS body is the SNS envelope; your message is the JSON string in its "Message" field` : ''}.`
        : `${extra} extra objects in ${bucketName}: a duplicate delivery made a second ${what}. Name the object after the photo, so a redelivery overwrites it.`,
  };
}

module.exports = [
  {
    id: 'one-publish-per-upload',
    title: 'Each upload is published once',
    hint: 'The topic copies each message to every subscription. How many times should the publisher publish?',
    section: 'pattern-fan-out',
    run(r) {
      const n = uploads(r).size;
      const published = r.count('published', 'photo-uploaded');
      const why = failures(r, 'publisher');
      const pass = n > 0 && published === n;
      return {
        pass,
        expected: `${n} publishes to photo-uploaded (one per upload)`,
        actual: `${published} publishes${why ? `; ${why}` : ''}`,
        message: pass
          ? 'One publish per upload; the topic does the copying.'
          : published > n
            ? `${published} publishes for ${n} uploads: every subscriber received each upload ${+(published / n).toFixed(1)} times. The topic already delivers one copy to EACH subscription; publishing once per consumer multiplies the work (and the bill) by the number of consumers.`
            : `Only ${published} of ${n} uploads were published${why ? ` (${why})` : ''}: the consumers never heard of the others.`,
      };
    },
  },
  {
    id: 'thumbnails',
    title: 'Every photo gets exactly one thumbnail',
    hint: 'make-thumbnail reads the photo named in the message and writes one object to the thumbnails bucket, named after the photo.',
    section: 'three-rules-for-fan-out-consumers',
    run: (r) => onePerUpload(r, 'thumbnails', 'make-thumbnail', 'thumbnail'),
  },
  {
    id: 'metadata',
    title: 'Every photo gets exactly one metadata sidecar',
    hint: 'extract-metadata writes one JSON object per photo to photo-metadata, named after the photo.',
    section: 'three-rules-for-fan-out-consumers',
    run: (r) => onePerUpload(r, 'photo-metadata', 'extract-metadata', 'metadata sidecar'),
  },
  {
    id: 'database-rows',
    title: 'One database row per photo, with its metadata',
    hint: 'Key the row by the photo, not by the message. And the consumers run in parallel: read what the row needs from the photo itself.',
    section: 'three-rules-for-fan-out-consumers',
    run(r) {
      const ups = uploads(r);
      const rows = r.table('photos');
      const why = failures(r, 'save-photo');
      /** @type {string[]} */
      const missing = [];
      /** @type {string[]} */
      const noMeta = [];
      for (const [key, photo] of ups) {
        const row = rows.find((/** @type {any} */ x) => Object.values(x).includes(key));
        if (!row) missing.push(key);
        else if (row.camera !== photo.camera || row.width !== photo.width || row.height !== photo.height) noMeta.push(key);
      }
      const extra = rows.length - (ups.size - missing.length);
      const pass = ups.size > 0 && missing.length === 0 && noMeta.length === 0 && extra === 0;
      const parts = [`${rows.length} rows for ${ups.size} photos`];
      if (missing.length) parts.push(`${missing.length} photos without a row`);
      if (noMeta.length) parts.push(`${noMeta.length} rows without the right camera/width/height (e.g. ${noMeta[0]})`);
      if (why) parts.push(why);
      return {
        pass,
        expected: `${ups.size} rows in photos, one per photo, each with the photo's camera, width and height`,
        actual: parts.join('; '),
        message: pass
          ? 'Every photo has one row with its metadata.'
          : noMeta.length
            ? `${noMeta.length} rows lack the photo's metadata. The three consumers run in parallel and in no particular order: when save-photo ran, extract-metadata had often not written its sidecar yet. A fan-out consumer must get what it needs from the event or the photo itself.`
            : missing.length
              ? `${missing.length} photos have no row${why ? ` (${why})` : ''}.`
              : `${extra} extra rows: duplicate deliveries added rows. The topic delivers at least once; key the row by the photo's key so a redelivery overwrites the same row.`,
      };
    },
  },
  {
    id: 'nothing-lost',
    title: 'Nothing is lost or dead-lettered',
    hint: 'A consumer that throws gets its message back, up to 5 times, then it goes to fan-out-dlq.',
    section: 'three-rules-for-fan-out-consumers',
    run(r) {
      const dlq = r.summary.queues['fan-out-dlq'];
      const held = ['thumbnail-jobs', 'metadata-jobs', 'database-jobs'].reduce((n, q) => n + r.summary.queues[q].visible + r.summary.queues[q].inFlight, 0);
      const pass = r.summary.lost === 0 && dlq.sent === 0 && held === 0;
      return {
        pass,
        expected: 'lost 0, nothing in fan-out-dlq, the queues empty at the end',
        actual: `lost ${r.summary.lost}, ${dlq.sent} dead-lettered, ${held} still queued`,
        message: pass
          ? 'Every job was done.'
          : r.summary.lost
            ? `${r.summary.lost} messages were lost.`
            : `${[dlq.sent ? `${dlq.sent} jobs ended in the dead-letter queue` : '', held ? `${held} jobs are still queued, coming back after each 30 s visibility timeout` : ''].filter(Boolean).join(' and ')}: a consumer keeps failing on them.`,
      };
    },
  },
];
