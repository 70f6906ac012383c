const { send, publish, produce } = require('serverless-lab');

class Router {
  constructor() {
    this.routes = {
      'resize-image': (i) => send('jobs', { imageId: i.imageId, width: i.width }),
      'order-placed': (i) => publish('announcements', JSON.stringify({ id: i.orderId, total: i.total })),
      'page-view': (i) => produce('clicks', `${i.userId}|${i.page}|${i.clickId}`, { key: `user-${i.userId}` }),
      'ledger-entry': (i) => send('ledger.fifo', { id: i.entryId, acct: i.accountId, amt: i.amount }, { groupId: `ledger-${i.accountId}`, deduplicationId: `entry-${i.entryId}` }),
    };
  }
  async route(item) {
    const fn = this.routes[item.kind];
    if (!fn) throw new Error(`unknown kind ${item.kind}`);
    await fn(item);
  }
}
const router = new Router();
exports.handler = async (event) => router.route(event);
