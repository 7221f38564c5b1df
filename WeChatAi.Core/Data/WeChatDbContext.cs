using Microsoft.EntityFrameworkCore;
using WeChatAi.Core.Data.Billing;

namespace WeChatAi.Core.Data;

/// <summary>The system of record: who our users are and every question they asked and the answer they got.</summary>
public sealed class WeChatDbContext(DbContextOptions<WeChatDbContext> options) : DbContext(options)
{
    public DbSet<WeChatUser> Users => Set<WeChatUser>();

    public DbSet<ChatExchange> Exchanges => Set<ChatExchange>();

    public DbSet<CreditEntry> CreditLedger => Set<CreditEntry>();

    public DbSet<Order> Orders => Set<Order>();

    public DbSet<PaymentNotification> PaymentNotifications => Set<PaymentNotification>();

    public DbSet<Refund> Refunds => Set<Refund>();

    public DbSet<DailyUsage> DailyUsage => Set<DailyUsage>();

    public DbSet<DailyStatistics> DailyStatistics => Set<DailyStatistics>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<WeChatUser>(user =>
        {
            user.ToTable("wechat_users");
            user.HasKey(u => new { u.AppId, u.OpenId });
            user.Property(u => u.AppId).HasMaxLength(64);
            user.Property(u => u.OpenId).HasMaxLength(64);
            user.Property(u => u.BlockedReason).HasMaxLength(256);
            user.HasIndex(u => u.Blocked).HasFilter("\"Blocked\"");
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
            exchange.HasIndex(e => e.ReceivedAt); // the retention purge and the console's time filters
        });

        modelBuilder.ConfigureBilling();
    }
}
