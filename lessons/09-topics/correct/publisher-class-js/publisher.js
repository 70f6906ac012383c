// CommonJS: an EventPublisher that derives the attributes from a list of routed fields.
const { publish } = require('serverless-lab');

class EventPublisher {
  constructor(topic, routed) {
    this.topic = topic;
    this.routed = routed;
  }
  attributes(event) {
    const out = {};
    for (const key of this.routed) out[key] = event[key];
    return out;
  }
  async publish(event) {
    return publish(this.topic, event, { attributes: this.attributes(event) });
  }
}

const events = new EventPublisher('order-events', ['eventType', 'amount', 'country']);

exports.handler = async (event) => {
  await events.publish(event);
  return { published: event.orderId };
};
