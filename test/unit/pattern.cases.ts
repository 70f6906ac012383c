// Pattern-matching cases written from AWS's documentation, each naming where its answer comes from.
// Shared by pattern.test.ts (the lab against the documented answer) and pattern.moto.test.ts (moto
// against the same answer, where moto models the feature).
//
// Sources, cited by short name:
// - EB operators: EventBridge User Guide, "Comparison operators for use in event patterns in Amazon
//   EventBridge" (eb-create-pattern-operators), and "Content filtering in Amazon EventBridge event
//   patterns".
// - EB arrays / null: EventBridge User Guide, "Arrays in Amazon EventBridge event patterns",
//   "Matching on null values and empty strings in Amazon EventBridge event patterns".
// - ruler: aws/event-ruler README and JsonRuleCompiler (the matcher EventBridge and SNS use): the
//   anything-but value sets, wildcard escapes, `$or` sub-rules with later keys overriding earlier.
// - SNS strings / numbers / and-or / constraints: SNS Developer Guide, "String value matching",
//   "Numeric value matching", "AND/OR logic", "Key matching", "Filter policy constraints".
// - SNS recorded: SNS's answers recorded against AWS in localstack's test_sns_filter_policy snapshot
//   (2024): dotted keys reach nested body properties, arrays of arrays of objects are searched.

export interface MatchCase {
  name: string;
  doc: string;
  service: 'EventBridge' | 'SNS';
  /** SNS only. */
  scope?: 'MessageAttributes' | 'MessageBody';
  pattern: Record<string, unknown>;
  /** EventBridge: the event's `detail`; SNS attributes: name → value (arrays are String.Array); SNS body: the JSON body. */
  matches: Array<Record<string, unknown>>;
  misses: Array<Record<string, unknown>>;
  /** Why moto's answer differs from AWS's here (the moto test then skips the case). */
  motoDiffers?: string;
}

export const MATCH_CASES: MatchCase[] = [
  {
    name: 'cidr on an IPv4 block',
    doc: 'EB operators (IP address matching): 10.0.0.0/24 matches 10.0.0.0 to 10.0.0.255',
    service: 'EventBridge',
    pattern: { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } },
    matches: [{ sourceIPAddress: '10.0.0.0' }, { sourceIPAddress: '10.0.0.255' }, { sourceIPAddress: '10.0.0.37' }],
    misses: [{ sourceIPAddress: '10.0.1.0' }, { sourceIPAddress: '10.1.1.0' }, { sourceIPAddress: 'not an address' }, { sourceIPAddress: 10 }, {}],
  },
  {
    name: 'cidr on an IPv6 block',
    doc: 'EB operators: IP address matching works for IPv4 and IPv6',
    service: 'EventBridge',
    pattern: { detail: { ip: [{ cidr: '2001:db8::/32' }] } },
    matches: [{ ip: '2001:db8::1' }, { ip: '2001:0db8:ffff:0:0:0:0:1' }],
    misses: [{ ip: '2001:db9::1' }, { ip: '10.0.0.1' }],
  },
  {
    name: 'cidr in an SNS attribute policy',
    doc: 'SNS strings (IP address matching): 10.0.0.0/24 matches 10.0.0.0 and 10.0.0.255, not 10.1.1.0',
    service: 'SNS',
    scope: 'MessageAttributes',
    pattern: { source_ip: [{ cidr: '10.0.0.0/24' }] },
    matches: [{ source_ip: '10.0.0.0' }, { source_ip: '10.0.0.255' }],
    misses: [{ source_ip: '10.1.1.0' }, {}],
    motoDiffers: 'moto 5.2.1 SNS has no cidr operator',
  },
  {
    name: 'prefix with equals-ignore-case',
    doc: 'EB operators (begins with, ignore case): {"prefix": {"equals-ignore-case": "eventb"}}',
    service: 'EventBridge',
    pattern: { detail: { service: [{ prefix: { 'equals-ignore-case': 'eventb' } }] } },
    matches: [{ service: 'EventBridge' }, { service: 'eventbus' }, { service: 'EVENTB' }],
    misses: [{ service: 'events' }, { service: 'xEventB' }, { service: 7 }],
  },
  {
    name: 'suffix with equals-ignore-case',
    doc: 'EB operators (ends with, ignore case): {"suffix": {"equals-ignore-case": ".png"}}',
    service: 'EventBridge',
    pattern: { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
    matches: [{ FileName: 'photo.PNG' }, { FileName: 'a.png' }],
    misses: [{ FileName: 'png.jpg' }, { FileName: 'a.pngx' }],
  },
  {
    name: 'anything-but a list of prefixes',
    doc: 'ruler: anything-but prefix takes a string or a list of strings',
    service: 'EventBridge',
    pattern: { detail: { region: [{ 'anything-but': { prefix: ['us-', 'eu-'] } }] } },
    matches: [{ region: 'ap-south-1' }, { region: 'sa-east-1' }],
    misses: [{ region: 'us-east-1' }, { region: 'eu-west-3' }, {}],
  },
  {
    name: 'anything-but a list of suffixes',
    doc: 'EB operators (anything-but ends with) / ruler: a list of suffixes',
    service: 'EventBridge',
    pattern: { detail: { FileName: [{ 'anything-but': { suffix: ['.png', '.jpg'] } }] } },
    matches: [{ FileName: 'notes.txt' }],
    misses: [{ FileName: 'cat.png' }, { FileName: 'dog.jpg' }],
  },
  {
    name: 'anything-but equals-ignore-case with a list',
    doc: 'EB operators (anything-but ignore case): any value besides "initializing" in any casing',
    service: 'EventBridge',
    pattern: { detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['initializing', 'stopped'] } }] } },
    matches: [{ state: 'running' }],
    misses: [{ state: 'INITIALIZING' }, { state: 'Stopped' }],
  },
  {
    name: 'anything-but a wildcard, and a list of wildcards',
    doc: 'EB operators (anything-but using a wildcard): "*/lib/*" excludes paths containing /lib/',
    service: 'EventBridge',
    pattern: { detail: { FilePath: [{ 'anything-but': { wildcard: ['*/lib/*', '*/bin/*'] } }] } },
    matches: [{ FilePath: '/usr/share/x' }],
    misses: [{ FilePath: '/usr/lib/tool' }, { FilePath: '/usr/bin/tool' }],
  },
  {
    name: 'wildcard with escaped star and backslash',
    doc: 'ruler (wildcard): \\* is a literal star, \\\\ one literal backslash',
    service: 'EventBridge',
    pattern: { detail: { k: [{ wildcard: 'a\\*b*' }, { wildcard: 'dir\\\\*' }] } },
    matches: [{ k: 'a*b' }, { k: 'a*bc' }, { k: 'dir\\file' }],
    misses: [{ k: 'axb' }, { k: 'dirfile' }, { k: 'ab' }],
  },
  {
    name: 'numeric range with open and closed bounds',
    doc: 'EB operators (numeric): [">", 0, "<=", 5] holds 5, not 0',
    service: 'EventBridge',
    pattern: { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }], 'x-limit': [{ numeric: ['=', 3.018e2] }] } },
    matches: [{ 'c-count': 5, 'x-limit': 301.8 }, { 'c-count': 0.5, 'x-limit': 301.8 }],
    misses: [{ 'c-count': 0, 'x-limit': 301.8 }, { 'c-count': 5.5, 'x-limit': 301.8 }, { 'c-count': '3', 'x-limit': 301.8 }],
  },
  {
    name: 'exists only sees leaves',
    doc: 'EB content filtering (exists): exists false matches when c-count is absent or is an object',
    service: 'EventBridge',
    pattern: { detail: { 'c-count': [{ exists: false }] } },
    matches: [{ state: 'running' }, { 'c-count': { c1: 100 } }],
    misses: [{ 'c-count': 5 }, { 'c-count': null }],
  },
  {
    name: 'null matches null, not a missing field; "" matches only ""',
    doc: 'EB arrays / null: [null] matches a null value; [""] an empty string',
    service: 'EventBridge',
    pattern: { detail: { responseElements: [null], lastName: [''] } },
    matches: [{ responseElements: null, lastName: '' }],
    misses: [{ lastName: '' }, { responseElements: null, lastName: null }, { responseElements: 'null', lastName: '' }],
  },
  {
    name: 'an array in the event matches when any element does',
    doc: 'EB arrays: the pattern matches if the event array and the pattern array intersect',
    service: 'EventBridge',
    pattern: { detail: { resources: ['arn:a', 'arn:b'] } },
    matches: [{ resources: ['arn:x', 'arn:b'] }, { resources: 'arn:a' }],
    misses: [{ resources: ['arn:x', 'arn:y'] }, { resources: [] }],
  },
  {
    name: 'a nested pattern reaches objects inside arrays of arrays',
    doc: 'ruler: arrays (and arrays of arrays) contribute their elements; exists false does not match them',
    service: 'EventBridge',
    pattern: { detail: { object: { key: [{ prefix: 'auto-' }] } } },
    matches: [{ object: [[{ key: 'auto-1.xml' }]] }, { object: [{ key: 'home-1' }, [{ key: 'auto-2' }]] }],
    misses: [{ object: [[{ key: 'home-1.xml' }]] }],
    motoDiffers: 'moto does not look inside arrays of objects',
  },
  {
    name: 'array consistency: fields of one nested pattern come from one element',
    doc: 'ruler (array consistency): items.sku and items.qty must be read from the same item',
    service: 'EventBridge',
    pattern: { detail: { items: { sku: ['A'], qty: [{ numeric: ['>', 1] }] } } },
    matches: [{ items: [{ sku: 'B', qty: 5 }, { sku: 'A', qty: 2 }] }],
    misses: [{ items: [{ sku: 'A', qty: 1 }, { sku: 'B', qty: 5 }] }],
    motoDiffers: 'moto does not look inside arrays of objects',
  },
  {
    name: '$or: a key beside and inside a branch — the branch replaces it',
    doc: 'ruler (JsonRuleCompiler): each $or branch forks the rule, a later key overrides the earlier one',
    service: 'EventBridge',
    pattern: { detail: { a: ['1'], $or: [{ a: ['2'] }, { b: ['3'] }] } },
    matches: [{ a: '2' }, { a: '1', b: '3' }],
    misses: [{ a: '1' }, { a: '3', b: '3' }, { a: '1', b: '4' }],
    motoDiffers: 'moto ANDs the outer key with the branch',
  },
  {
    name: '$or between fields, with nested $or',
    doc: 'SNS and-or (OR operator examples): "source" && ("metricName" || ("metricType" && "namespace"))',
    service: 'SNS',
    scope: 'MessageAttributes',
    pattern: { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization'] }, { metricType: ['MetricType'], namespace: ['AWS/EC2'] }] },
    matches: [{ source: 'aws.cloudwatch', metricName: 'CPUUtilization' }, { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/EC2' }],
    misses: [{ source: 'aws.cloudwatch', metricType: 'MetricType' }, { metricName: 'CPUUtilization' }],
  },
  {
    name: 'String.Array attributes: each element is matched',
    doc: 'SNS strings (exact, anything-but): ["rugby","baseball"] matches ["rugby","tennis"] and anything-but ["rugby","tennis"]',
    service: 'SNS',
    scope: 'MessageAttributes',
    pattern: { customer_interests: ['rugby', 'tennis'] },
    matches: [{ customer_interests: 'rugby' }, { customer_interests: ['baseball', 'tennis'] }],
    misses: [{ customer_interests: ['baseball'] }, { customer_interests: 'baseball' }],
  },
  {
    name: 'String.Array with anything-but: no element may be excluded',
    doc: 'SNS strings (anything-but): "For String.Array type attributes, it matches if none of the array elements are listed" (the current guide; an older edition let ["rugby","baseball"] match)',
    service: 'SNS',
    scope: 'MessageAttributes',
    pattern: { customer_interests: [{ 'anything-but': ['rugby', 'tennis'] }] },
    matches: [{ customer_interests: 'baseball' }, { customer_interests: ['baseball', 'football'] }],
    misses: [{ customer_interests: 'rugby' }, { customer_interests: ['rugby', 'baseball'] }, { customer_interests: ['rugby', 'tennis'] }],
    motoDiffers: 'moto 5.2.1 compares the characters of the String.Array text, not its elements',
  },
  {
    name: 'numeric matching on Number attributes',
    doc: 'SNS numbers: [{"numeric": [">", 0, "<=", 150]}] matches 0 < price <= 150',
    service: 'SNS',
    scope: 'MessageAttributes',
    pattern: { price_usd: [{ numeric: ['>', 0, '<=', 150] }] },
    matches: [{ price_usd: 150 }, { price_usd: 0.01 }],
    misses: [{ price_usd: 0 }, { price_usd: 151 }, { price_usd: '100' }],
  },
  {
    name: 'equals-ignore-case and suffix on attributes',
    doc: 'SNS strings (equals-ignore-case, suffix matching)',
    service: 'SNS',
    scope: 'MessageAttributes',
    pattern: { customer_interests: [{ 'equals-ignore-case': 'tennis' }, { suffix: 'ball' }] },
    matches: [{ customer_interests: 'TeNnIs' }, { customer_interests: 'baseball' }],
    misses: [{ customer_interests: 'rugby' }],
  },
  {
    name: 'key matching: exists on attributes',
    doc: 'SNS key matching: {"exists": true} needs the attribute, {"exists": false} its absence',
    service: 'SNS',
    scope: 'MessageAttributes',
    pattern: { store: [{ exists: true }], def: [{ exists: false }] },
    matches: [{ store: 'x' }, { store: 99 }],
    misses: [{ def: 'y' }, { store: 'x', def: 'y' }],
  },
  {
    name: 'body policy over arrays of arrays of objects',
    doc: 'SNS recorded (message body, array of object attributes): Records.s3.object.key prefix reaches [[{key}]]',
    service: 'SNS',
    scope: 'MessageBody',
    pattern: { Records: { s3: { object: { key: [{ prefix: 'auto-' }] } } } },
    matches: [{ Records: [{ s3: { object: [[{ key: 'auto-insurance-2314.xml' }]] } }] }, { Records: [{ s3: { object: { key: 'auto-x' } } }] }],
    misses: [{ Records: [{ s3: { object: [[{ key: 'home-insurance-2314.xml' }]] } }] }],
    motoDiffers: 'moto 5.2.1 does not look inside an array of arrays',
  },
  {
    name: 'a dotted key reaches a nested body property',
    doc: 'SNS recorded (message body, dot attribute): "object.nested" matches {"object": {"nested": …}} and {"object.nested": …}',
    service: 'SNS',
    scope: 'MessageBody',
    pattern: { 'object.nested': ['string.value'] },
    matches: [{ object: { nested: 'string.value' } }, { 'object.nested': 'string.value' }],
    misses: [{ object: { nested: 'other' } }, { object: 'string.value' }],
    motoDiffers: 'moto 5.2.1 does not read a body key that itself holds a dot',
  },
];

/** Policies and patterns AWS refuses, with the path the lab must name. */
export interface RefusalCase {
  name: string;
  doc: string;
  service: 'EventBridge' | 'SNS';
  scope?: 'MessageAttributes' | 'MessageBody';
  pattern: unknown;
  path: string;
  message: RegExp;
  /** moto refuses it too (SNS): the moto test checks that Subscribe fails. */
  motoRefuses?: boolean;
}

export const REFUSAL_CASES: RefusalCase[] = [
  {
    name: 'an empty anything-but prefix',
    doc: 'ruler: "Null prefix/suffix not allowed"',
    service: 'EventBridge',
    pattern: { detail: { a: [{ 'anything-but': { prefix: '' } }] } },
    path: 'p.detail.a[0].anything-but.prefix',
    message: /empty prefix/,
  },
  {
    name: 'an empty anything-but suffix in a list',
    doc: 'ruler: "Null prefix/suffix not allowed"',
    service: 'EventBridge',
    pattern: { detail: { a: [{ 'anything-but': { suffix: ['.png', ''] } }] } },
    path: 'p.detail.a[0].anything-but.suffix',
    message: /empty suffix/,
  },
  {
    name: 'a backslash before anything but * or \\ in a wildcard',
    doc: 'ruler (wildcard): a backslash escaping any other character is not allowed',
    service: 'EventBridge',
    pattern: { detail: { a: [{ wildcard: 'a\\b' }] } },
    path: 'p.detail.a[0].wildcard',
    message: /escape/,
  },
  {
    name: 'consecutive wildcards',
    doc: 'ruler (wildcard): consecutive wildcard characters are not allowed',
    service: 'EventBridge',
    pattern: { detail: { a: [{ wildcard: 'a**' }] } },
    path: 'p.detail.a[0].wildcard',
    message: /consecutive/,
  },
  {
    name: 'a CIDR without a mask',
    doc: 'ruler (CIDR): one "/" required',
    service: 'EventBridge',
    pattern: { detail: { ip: [{ cidr: '10.0.0.1' }] } },
    path: 'p.detail.ip[0].cidr',
    message: /'\/'/,
  },
  {
    name: 'a CIDR base that is not an address',
    doc: 'ruler (CIDR): invalid / nonstandard IP address',
    service: 'EventBridge',
    pattern: { detail: { ip: [{ cidr: '10.0.0.300/24' }] } },
    path: 'p.detail.ip[0].cidr',
    message: /not an IPv4 or IPv6 address/,
  },
  {
    name: '$or with one branch',
    doc: 'SNS and-or / ruler: $or needs at least 2 objects',
    service: 'EventBridge',
    pattern: { $or: [{ a: ['x'] }] },
    path: 'p.$or',
    message: /at least 2/,
  },
  {
    name: 'a reserved word as a field inside $or',
    doc: 'SNS and-or / ruler: no field name inside $or may be a reserved keyword',
    service: 'EventBridge',
    pattern: { $or: [{ a: { prefix: ['x'] } }, { b: ['y'] }] },
    path: 'p.$or[0].a.prefix',
    message: /reserved/,
  },
  {
    name: 'an anything-but list mixing strings and numbers',
    doc: 'EB operators / ruler: anything-but lists contain only strings or only numbers',
    service: 'EventBridge',
    pattern: { detail: { a: [{ 'anything-but': ['x', 1] }] } },
    path: 'p.detail.a[0].anything-but',
    message: /all strings or all numbers/,
  },
  {
    name: 'SNS has no anything-but suffix',
    doc: 'SNS recorded: "Unsupported anything-but pattern: suffix"; the SNS guide documents anything-but with a prefix only',
    service: 'SNS',
    scope: 'MessageAttributes',
    pattern: { key: [{ 'anything-but': { suffix: 'test' } }] },
    path: 'f.key[0].anything-but.suffix',
    message: /unsupported anything-but pattern: suffix/,
  },
  {
    name: 'SNS has no wildcard',
    doc: 'SNS Developer Guide lists no wildcard operator',
    service: 'SNS',
    scope: 'MessageAttributes',
    pattern: { key: [{ wildcard: '*x' }] },
    path: 'f.key[0].wildcard',
    message: /SNS does not support wildcard/,
  },
  {
    name: 'SNS: six keys',
    doc: 'SNS constraints: a filter policy can have at most five keys ("Filter policy can not have more than 5 keys")',
    service: 'SNS',
    scope: 'MessageBody',
    pattern: { key_a: ['1'], key_b: ['2'], key_c: ['3'], key_d: ['4'], key_e: ['5'], key_f: ['6'] },
    path: 'f',
    message: /more than 5 keys/,
    motoRefuses: true,
  },
  {
    name: 'SNS body policy: nested values count times their depth',
    doc: 'SNS constraints (payload-based filtering): 3 x 4 x 2 x 3 x 1 x 3 = 216 > 150, "Filter policy is too complex"',
    service: 'SNS',
    scope: 'MessageBody',
    pattern: {
      key_a: { key_b: { key_c: ['value_one', 'value_two', 'value_three', 'value_four'] } },
      key_d: { key_e: ['value_one', 'value_two', 'value_three'] },
      key_f: ['value_one', 'value_two', 'value_three'],
    },
    path: 'f',
    message: /too complex: 216/,
    motoRefuses: true,
  },
  {
    name: 'SNS $or: the alternatives add up past 150',
    doc: 'SNS recorded (complexity with $or): (4 × 6) + (4 × 4 × 4) + (4 × 4 × 4) = 152',
    service: 'SNS',
    scope: 'MessageAttributes',
    pattern: {
      source: ['aws.cloudwatch', 'aws.events', 'aws.test', 'aws.test2'],
      $or: [
        { metricName: ['CPUUtilization', 'ReadLatency', 't1', 't2', 't3', 't4'] },
        { metricType: ['MetricType', 'TestType', 'TestType2', 'TestType3'], $or: [{ metricId: [1234, 4321, 5678, 9012] }, { spaceId: [1, 2, 3, 4] }] },
      ],
    },
    path: 'f',
    message: /too complex: 152/,
  },
  {
    name: 'SNS body $or: nested depth counts in every alternative',
    doc: 'SNS recorded (complexity with $or, nested): (3·4·2) + (3·4·6) + (2·4·2) + (2·4·6) = 160',
    service: 'SNS',
    scope: 'MessageBody',
    pattern: {
      $or: [{ metricName: ['CPUUtilization', 'ReadLatency', 'TestValue'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }],
      detail: { scope: ['Service', 'Test'], $or: [{ source: ['aws.cloudwatch'] }, { type: ['CloudWatch Alarm State Change', 'TestValue', 'TestValue2'] }] },
    },
    path: 'f',
    message: /too complex: 160/,
  },
];

/** Policies AWS accepts right at a limit (recorded): the lab must accept them too. */
export const ACCEPTED_AT_LIMIT: Array<{ name: string; doc: string; scope: 'MessageAttributes' | 'MessageBody'; pattern: Record<string, unknown> }> = [
  {
    name: 'SNS $or alternatives adding up to exactly 150',
    doc: 'SNS recorded (complexity with $or): (3 × 6) + (3 × 4 × 4) + (3 × 4 × 7) = 150 is accepted',
    scope: 'MessageAttributes',
    pattern: {
      source: ['aws.cloudwatch', 'aws.events', 'aws.test'],
      $or: [
        { metricName: ['CPUUtilization', 'ReadLatency', 'TestVal', 'TestVal2', 'TestVal3', 'TestVal4'] },
        { metricType: ['MetricType', 'TestType', 'TestType2', 'TestType3'], $or: [{ metricId: [1234, 4321, 5678, 9012] }, { spaceId: [1, 2, 3, 4, 5, 6, 7] }] },
      ],
    },
  },
];
