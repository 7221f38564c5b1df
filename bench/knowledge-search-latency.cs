// The knowledge step's retrieval time per question on a base of 300 chunks (docs/knowledge.md): run with
// `flock /work/bench.lock dotnet run -c Release bench/knowledge-search-latency.cs` from the repository root.
#:project ../WeChatAi.Core/WeChatAi.Core.csproj
using System.Diagnostics;
using WeChatAi.Core.Knowledge;
// A base of a few hundred chunks as the worker holds it, and questions as users ask them: the time of what the
// worker's knowledge step runs per question (jieba's search-mode cut, BM25 over the index, the bar).
var seg = new KnowledgeSegmenter();
string[] courses = ["Python 入门班", "Python 进阶班", "Java 基础课", "数据分析实战", "UI 设计班", "英语口语课", "考研数学", "前端开发", "机器学习导论", "摄影入门", "短视频剪辑", "办公软件", "会计实务", "日语 N2 冲刺", "产品经理训练营"];
string[] facts = [
    "{0}每期 {1} 元，报名后七天内学习不超过三节可以全额退款。", "{0}每周二、周四晚上八点直播，错过可以看回放，回放保留三十天。",
    "{0}的老师有十年以上教学经验，每节课后布置作业并在两天内批改。", "完成{0}全部作业并通过结业考试的学员可以获得电子结业证书。",
    "{0}支持分期付款，分三期或六期，不收手续费。", "学生凭学生证报名{0}可以再打九折，两门一起报名立减 {1} 元。",
    "{0}的上课地点在线上，用手机或电脑都可以听课，需要下载课程 App。", "如果对{0}有疑问，工作日早九点到晚六点可以联系客服。",
    "{0}开课前会发放学习资料和课程表，请提前一天进入班级群。", "{0}每班不超过三十人，助教全程答疑。",
];
var rng = new Random(7);
var items = new List<(KnowledgePassage, string[])>();
for (var i = 0; i < 300; i++)
{
    var course = courses[i % courses.Length];
    var text = string.Concat(Enumerable.Range(0, 6).Select(_ => string.Format(facts[rng.Next(facts.Length)], course, 100 * rng.Next(1, 20))));
    var title = $"{course}说明 {i / courses.Length + 1}";
    items.Add((new KnowledgePassage(i + 1, i / 3 + 1, title, null, text, null), seg.Passage(title + "\n" + text)));
}
var index = Bm25Index.Build(items);
Console.WriteLine($"{index.Count} chunks, {items.Average(i => i.Item1.Text.Length):F0} characters each on average");
string[] questions = ["Python 进阶班多少钱", "退款怎么申请", "什么时候上课？有回放吗", "怎么联系客服", "学完有证书吗", "可以分期付款吗", "学生有优惠吗", "今天天气怎么样", "在哪里上课", "一个班多少人", "考研数学的老师怎么样", "日语课开课前要准备什么"];
for (var w = 0; w < 2000; w++) Search(questions[w % questions.Length]);
var samples = new double[20_000];
for (var n = 0; n < samples.Length; n++)
{
    var started = Stopwatch.GetTimestamp();
    Search(questions[n % questions.Length]);
    samples[n] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
}
Array.Sort(samples);
Console.WriteLine($"per question: p50 {samples[samples.Length / 2]:F3} ms, p95 {samples[(int)(samples.Length * 0.95)]:F3} ms, p99 {samples[(int)(samples.Length * 0.99)]:F3} ms, max {samples[^1]:F3} ms");
List<RankedPassage> Search(string q) => index.Search(seg.Question(q), 12).Where(p => p.Match >= 0.3).Take(3).ToList();
