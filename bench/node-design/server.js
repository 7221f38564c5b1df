// The seed design's webhook, measured by bench/webhook.sh for comparison only: express, the wechat middleware
// (signature check, XML parsing, passive reply) and a BullMQ queue whose job id de-duplicates WeChat's retries,
// run by pm2 as a cluster of 2. It has no per-user limit and no counters.
const express = require('express');
const wechat = require('wechat');
const { Queue } = require('bullmq');

const queue = new Queue('ai-jobs', { connection: { host: '127.0.0.1', port: Number(process.env.REDIS_PORT) } });
const app = express();
app.get('/alive', (req, res) => res.send('ok'));
app.use('/wechat', wechat(process.env.WECHAT_TOKEN, async (req, res, next) => {
  const message = req.weixin;
  if (message.MsgType !== 'text') {
    res.reply('');
    return;
  }

  try {
    await queue.add('ask', {
      openId: message.FromUserName,
      msgId: message.MsgId,
      content: message.Content,
      receivedAt: Date.now(),
    }, { jobId: `${message.ToUserName}-${message.FromUserName}-${message.MsgId}` });
    res.reply('正在思考中...');
  } catch (err) {
    next(err);
  }
}));
app.listen(Number(process.env.PORT), '127.0.0.1');
