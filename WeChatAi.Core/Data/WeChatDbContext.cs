using Microsoft.EntityFrameworkCore;

namespace WeChatAi.Core.Data;

/// <summary>The system of record: who our users are and every question they asked and the answer they got.</summary>
public sealed class WeChatDbContext(DbContextOptions<WeChatDbContext> options) : DbContext(options)
{
    public DbSet<WeChatUser> Users => Set<WeChatUser>();

    public DbSet<ChatExchange> Exchanges => Set<ChatExchange>();

    public DbSet<KeywordReply> KeywordReplies => Set<KeywordReply>();

    public DbSet<MenuDefinition> Menus => Set<MenuDefinition>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<WeChatUser>(user =>
        {
            user.ToTable("wechat_users");
            user.HasKey(u => new { u.AppId, u.OpenId });
            user.Property(u => u.AppId).HasMaxLength(64);
            user.Property(u => u.OpenId).HasMaxLength(64);
        });

        modelBuilder.Entity<ChatExchange>(exchange =>
        {
            exchange.ToTable("chat_exchanges");
            exchange.HasKey(e => e.Id);
            exchange.Property(e => e.JobId).HasMaxLength(128);
            exchange.HasIndex(e => e.JobId).IsUnique();
            exchange.Property(e => e.AppId).HasMaxLength(64);
            exchange.Property(e => e.OpenId).HasMaxLength(64);
            exchange.Property(e => e.Outcome).HasConversion<string>().HasMaxLength(32);
            exchange.HasIndex(e => new { e.AppId, e.OpenId, e.ReceivedAt });
            exchange.HasIndex(e => e.AnsweredAt);
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
    }
}
