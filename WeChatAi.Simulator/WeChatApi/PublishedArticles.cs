namespace WeChatAi.Simulator.WeChatApi;

/// <summary>One article of a publication, as freepublish answers it (HTML content with headings, an image and a link).</summary>
public sealed record PublishedArticle(string Title, string Author, string Digest, string Content, string Url, bool IsDeleted = false);

/// <summary>A publication: its article_id, its articles (one or several) and when it was last updated.</summary>
public sealed record Publication(string ArticleId, IReadOnlyList<PublishedArticle> Articles, long UpdateTime);

/// <summary>
/// The account's published articles (freepublish): a few Chinese ones so the knowledge base's article sync runs
/// offline. <c>freepublish/delete</c> removes one (a test's way to unpublish). In memory: a restart publishes them again.
/// </summary>
public sealed class PublishedArticles
{
    private readonly Lock _sync = new();
    private readonly List<Publication> _publications =
    [
        new("sim_article_refunds", [
            new("退款与售后说明", "小助手", "课程退款怎么申请、多久到账", """
                <section><h2>退款条件</h2><p>购买课程后<strong>七天内</strong>、学习不超过三节的，可以申请全额退款。</p>
                <p><img src="https://mmbiz.qpic.cn/sim/refund.png" alt="退款流程图"></p>
                <h2>到账时间</h2><p>退款原路退回，一般三到五个工作日到账，详见<a href="https://example.com/refund">退款政策全文</a>。</p></section>
                """, "https://mp.weixin.qq.com/s/sim_article_refunds"),
        ], 1_764_000_000),
        new("sim_article_courses", [
            new("2026 春季课程安排", "小助手", "开课时间与上课方式", """
                <section><h2>开课时间</h2><p>春季班三月十日开课，每周二、周四晚上八点直播，错过可以看回放。</p>
                <h3>上课方式</h3><p>在公众号菜单“我的课程”进入直播间，<a href="https://example.com/live">点此查看操作指南</a>。</p>
                <p><img src="https://mmbiz.qpic.cn/sim/live.png"></p></section>
                """, "https://mp.weixin.qq.com/s/sim_article_courses_1"),
            new("奖学金计划", "小助手", "优秀学员奖励", """
                <section><h2>申请条件</h2><p>结课考试九十分以上的学员可申请奖学金，每人五百元，名额二十个。</p></section>
                """, "https://mp.weixin.qq.com/s/sim_article_courses_2"),
        ], 1_764_100_000),
    ];

    public int TotalCount
    {
        get
        {
            lock (_sync)
            {
                return _publications.Count;
            }
        }
    }

    /// <summary>Newest first, as WeChat lists them.</summary>
    public IReadOnlyList<Publication> Page(int offset, int count)
    {
        lock (_sync)
        {
            return [.. _publications.OrderByDescending(p => p.UpdateTime).Skip(offset).Take(count)];
        }
    }

    public Publication? Find(string? articleId)
    {
        lock (_sync)
        {
            return _publications.FirstOrDefault(p => p.ArticleId == articleId);
        }
    }

    /// <summary>Removes a publication (<paramref name="index"/> 0: all of it) or marks one of its articles deleted; false when there is none.</summary>
    public bool Delete(string? articleId, int index)
    {
        lock (_sync)
        {
            var at = _publications.FindIndex(p => p.ArticleId == articleId);
            if (at < 0 || index < 0 || index > _publications[at].Articles.Count)
            {
                return false;
            }

            if (index == 0)
            {
                _publications.RemoveAt(at);
            }
            else
            {
                var publication = _publications[at];
                var articles = publication.Articles.Select((a, i) => i == index - 1 ? a with { IsDeleted = true } : a).ToList();
                _publications[at] = publication with { Articles = articles };
            }

            return true;
        }
    }
}
