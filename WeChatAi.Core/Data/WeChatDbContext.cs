using Microsoft.EntityFrameworkCore;
using WeChatAi.Core.Data.Billing;
using WeChatAi.Core.Data.Handoff;
using WeChatAi.Core.Data.Knowledge;

namespace WeChatAi.Core.Data;

/// <summary>The system of record: who our users are and every question they asked and the answer they got.</summary>
public sealed class WeChatDbContext(DbContextOptions<WeChatDbContext> options) : DbContext(options)
{
    public DbSet<WeChatUser> Users => Set<WeChatUser>();

    public DbSet<ChatExchange> Exchanges => Set<ChatExchange>();

    public DbSet<KeywordReply> KeywordReplies => Set<KeywordReply>();

    public DbSet<MenuDefinition> Menus => Set<MenuDefinition>();

    public DbSet<SafetyDecision> SafetyDecisions => Set<SafetyDecision>();

    public DbSet<CreditEntry> CreditLedger => Set<CreditEntry>();

    public DbSet<Order> Orders => Set<Order>();

    public DbSet<PaymentNotification> PaymentNotifications => Set<PaymentNotification>();

    public DbSet<Refund> Refunds => Set<Refund>();

    public DbSet<DailyUsage> DailyUsage => Set<DailyUsage>();

    public DbSet<DailyStatistics> DailyStatistics => Set<DailyStatistics>();

    public DbSet<AdminAuditEntry> AdminAudit => Set<AdminAuditEntry>();

    public DbSet<AccountSetting> AccountSettings => Set<AccountSetting>();

    public DbSet<KnowledgeSource> KnowledgeSources => Set<KnowledgeSource>();

    public DbSet<KnowledgeChunk> KnowledgeChunks => Set<KnowledgeChunk>();

    public DbSet<KnowledgeMissedQuestion> KnowledgeMissedQuestions => Set<KnowledgeMissedQuestion>();

    public DbSet<HandoffSession> HandoffSessions => Set<HandoffSession>();

    public DbSet<HandoffMessage> HandoffMessages => Set<HandoffMessage>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        // Trigram indexes for the console's substring search (docs/console-data.md).
        modelBuilder.HasPostgresExtension("pg_trgm");
        modelBuilder.Entity<WeChatUser>(user =>
        {
            user.ToTable("wechat_users");
            user.HasKey(u => new { u.AppId, u.OpenId });
            user.Property(u => u.AppId).HasMaxLength(64);
            user.Property(u => u.OpenId).HasMaxLength(64);
            user.Property(u => u.BlockedReason).HasMaxLength(256);
            user.HasIndex(u => u.Blocked).HasFilter("\"Blocked\"");
            user.Property(u => u.Nickname).HasMaxLength(WeChatUser.MaxNickname);

            // The console: users by last message, OpenID prefixes (pattern ops: LIKE 'x%' in any collation), nicknames by substring.
            user.HasIndex(u => new { u.AppId, u.LastSeenAt, u.OpenId }).IsDescending(false, true, true);
            user.HasIndex(u => new { u.AppId, u.OpenId }, "IX_wechat_users_AppId_OpenId_pattern").HasOperators("varchar_pattern_ops", "varchar_pattern_ops");
            user.HasIndex(u => u.Nickname).HasMethod("gin").HasOperators("gin_trgm_ops");
        });

        modelBuilder.Entity<ChatExchange>(exchange =>
        {
            exchange.ToTable("chat_exchanges");
            exchange.HasKey(e => e.Id);
            exchange.Property(e => e.JobId).HasMaxLength(128);
            exchange.HasIndex(e => e.JobId).IsUnique();
            exchange.Property(e => e.AppId).HasMaxLength(64);
            exchange.Property(e => e.OpenId).HasMaxLength(64);
            exchange.Property(e => e.Media).HasMaxLength(8);
            exchange.Property(e => e.Charge).HasMaxLength(16);
            exchange.Property(e => e.Outcome).HasConversion<string>().HasMaxLength(32);
            exchange.HasIndex(e => new { e.AppId, e.OpenId, e.ReceivedAt });
            exchange.HasIndex(e => new { e.AppId, e.OpenId, e.Id }).IsDescending(false, false, true); // a user's exchanges, newest first
            exchange.HasIndex(e => e.Question).HasMethod("gin").HasOperators("gin_trgm_ops");
            exchange.HasIndex(e => e.Answer).HasMethod("gin").HasOperators("gin_trgm_ops");
            exchange.HasIndex(e => e.AnsweredAt);
            exchange.HasIndex(e => e.ReceivedAt); // the retention purge and the console's time filters
            exchange.Property(e => e.Blocked).HasConversion<string>().HasMaxLength(16);
            exchange.HasIndex(e => new { e.Blocked, e.ReceivedAt }).HasFilter("\"Blocked\" IS NOT NULL");
            exchange.HasMany(e => e.SafetyDecisions).WithOne().HasForeignKey(d => d.ExchangeId).OnDelete(DeleteBehavior.Cascade);
            exchange.Property(e => e.Knowledge).HasColumnType("jsonb")
                .HasConversion(k => k == null ? null : k.ToJson(), json => ExchangeKnowledge.FromJson(json));
        });

        modelBuilder.Entity<SafetyDecision>(decision =>
        {
            decision.ToTable("safety_decisions");
            decision.HasKey(d => d.Id);
            decision.Property(d => d.AppId).HasMaxLength(64);
            decision.Property(d => d.OpenId).HasMaxLength(64);
            decision.Property(d => d.Direction).HasConversion<string>().HasMaxLength(16);
            decision.Property(d => d.Source).HasConversion<string>().HasMaxLength(16);
            decision.Property(d => d.Rule).HasMaxLength(SafetyDecision.MaxRule);
            decision.Property(d => d.Excerpt).HasMaxLength(SafetyDecision.MaxExcerpt);
            decision.HasIndex(d => new { d.ExchangeId, d.Direction }).IsUnique();
            decision.HasIndex(d => d.DecidedAt);
            decision.HasIndex(d => new { d.AppId, d.OpenId, d.DecidedAt });
        });

        modelBuilder.Entity<KeywordReply>(rule =>
        {
            rule.ToTable("keyword_replies");
            rule.HasKey(r => r.Id);
            rule.Property(r => r.MatchType).HasConversion<string>().HasMaxLength(16);
            rule.Property(r => r.Pattern).HasMaxLength(KeywordReplyLimits.MaxPatternLength);
            rule.HasIndex(r => new { r.MatchType, r.Pattern }).IsUnique();
        });

        modelBuilder.Entity<MenuDefinition>(menu =>
        {
            menu.ToTable("menu_definitions");
            menu.HasKey(m => m.Id);
            menu.Property(m => m.Id).ValueGeneratedNever();
            menu.Property(m => m.Json).HasColumnType("jsonb");
        });

        modelBuilder.Entity<AdminAuditEntry>(entry =>
        {
            entry.ToTable("admin_audit");
            entry.HasKey(e => e.Id);
            entry.Property(e => e.Actor).HasMaxLength(AdminAuditEntry.MaxActor);
            entry.Property(e => e.Action).HasMaxLength(AdminAuditEntry.MaxAction);
            entry.Property(e => e.Target).HasMaxLength(AdminAuditEntry.MaxTarget);
            entry.Property(e => e.Detail).HasMaxLength(AdminAuditEntry.MaxDetail);
            entry.HasIndex(e => new { e.Actor, e.Id });
            entry.HasIndex(e => new { e.Action, e.Id });
            entry.HasIndex(e => new { e.Target, e.Id }); // a user's operator actions in their conversation
        });

        modelBuilder.Entity<AccountSetting>(setting =>
        {
            setting.ToTable("account_settings");
            setting.HasKey(s => s.Key);
            setting.Property(s => s.Key).HasMaxLength(AccountSetting.MaxKeyLength);
            setting.Property(s => s.UpdatedBy).HasMaxLength(AdminAuditEntry.MaxActor);
        });

        modelBuilder.ConfigureBilling();
        modelBuilder.ConfigureKnowledge();
        modelBuilder.ConfigureHandoff();
    }
}
