using Microsoft.EntityFrameworkCore;

namespace WeChatAi.Core.Data.Billing;

/// <summary>The billing tables and their indexes (the console filters orders by user, state and day).</summary>
internal static class BillingModel
{
    public static void ConfigureBilling(this ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<CreditEntry>(entry =>
        {
            entry.ToTable("credit_ledger");
            entry.HasKey(e => e.Id);
            entry.Property(e => e.AppId).HasMaxLength(64);
            entry.Property(e => e.OpenId).HasMaxLength(64);
            entry.Property(e => e.Kind).HasConversion<string>().HasMaxLength(16);
            entry.Property(e => e.IdempotencyKey).HasMaxLength(200);
            entry.Property(e => e.JobId).HasMaxLength(128);
            entry.HasIndex(e => e.IdempotencyKey).IsUnique();
            entry.HasIndex(e => new { e.AppId, e.OpenId, e.Id });
            entry.HasIndex(e => e.GrantId);
            entry.HasIndex(e => e.OrderId);
            entry.HasIndex(e => new { e.Kind, e.ExpiresAt });
            entry.HasIndex(e => e.CreatedAt);
            entry.HasOne<CreditEntry>().WithMany().HasForeignKey(e => e.GrantId).OnDelete(DeleteBehavior.Restrict);
            entry.HasOne<Order>().WithMany().HasForeignKey(e => e.OrderId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<Order>(order =>
        {
            order.ToTable("orders");
            order.HasKey(o => o.Id);
            order.Property(o => o.OutTradeNo).HasMaxLength(32);
            order.HasIndex(o => o.OutTradeNo).IsUnique();
            order.Property(o => o.AppId).HasMaxLength(64);
            order.Property(o => o.OpenId).HasMaxLength(64);
            order.Property(o => o.ProductId).HasMaxLength(64);
            order.Property(o => o.ProductName).HasMaxLength(127);
            order.Property(o => o.State).HasConversion<string>().HasMaxLength(16);
            order.Property(o => o.Channel).HasConversion<string>().HasMaxLength(16);
            order.Property(o => o.PrepayId).HasMaxLength(128);
            order.Property(o => o.CodeUrl).HasMaxLength(256);
            order.Property(o => o.TransactionId).HasMaxLength(64);
            order.HasIndex(o => o.TransactionId);
            order.Property(o => o.MismatchReason).HasMaxLength(256);
            order.Property(o => o.Version).IsRowVersion();
            order.HasIndex(o => new { o.AppId, o.OpenId, o.CreatedAt });
            order.HasIndex(o => new { o.State, o.CreatedAt });
            order.HasIndex(o => new { o.State, o.QueriedAt }); // the reconciliation's next pending orders
            order.HasIndex(o => o.CreatedAt);
            order.HasIndex(o => o.PaidAt);
            order.HasIndex(o => o.Mismatch).HasFilter("\"Mismatch\"");

            // The console's order list, newest (highest id) first, by state or by user.
            order.HasIndex(o => new { o.State, o.Id });
            order.HasIndex(o => new { o.AppId, o.OpenId, o.Id });
        });

        modelBuilder.Entity<PaymentNotification>(notification =>
        {
            notification.ToTable("payment_notifications");
            notification.HasKey(n => n.Id);
            notification.Property(n => n.NotificationId).HasMaxLength(64);
            notification.HasIndex(n => n.NotificationId).IsUnique();
            notification.Property(n => n.EventType).HasMaxLength(64);
            notification.Property(n => n.Serial).HasMaxLength(128);
            notification.Property(n => n.OutTradeNo).HasMaxLength(32);
            notification.Property(n => n.OutRefundNo).HasMaxLength(64);
            notification.Property(n => n.Outcome).HasMaxLength(256);
            notification.HasIndex(n => n.OutTradeNo);
            notification.HasIndex(n => n.ReceivedAt);
        });

        modelBuilder.Entity<Refund>(refund =>
        {
            refund.ToTable("refunds");
            refund.HasKey(r => r.Id);
            refund.Property(r => r.OutRefundNo).HasMaxLength(64);
            refund.HasIndex(r => r.OutRefundNo).IsUnique();
            refund.Property(r => r.OutTradeNo).HasMaxLength(32);
            refund.Property(r => r.RefundId).HasMaxLength(64);
            refund.Property(r => r.Reason).HasMaxLength(80);
            refund.Property(r => r.State).HasConversion<string>().HasMaxLength(16);
            refund.HasOne<Order>().WithMany().HasForeignKey(r => r.OrderId).OnDelete(DeleteBehavior.Restrict);
            refund.HasIndex(r => new { r.State, r.CreatedAt });
            refund.HasIndex(r => r.SucceededAt); // the console's revenue per day
        });

        modelBuilder.Entity<DailyUsage>(usage =>
        {
            usage.ToTable("daily_usage");
            usage.HasKey(u => new { u.AppId, u.OpenId, u.Day });
            usage.Property(u => u.AppId).HasMaxLength(64);
            usage.Property(u => u.OpenId).HasMaxLength(64);
            usage.HasIndex(u => u.Day);
        });

        modelBuilder.Entity<DailyStatistics>(stats =>
        {
            stats.ToTable("daily_statistics");
            stats.HasKey(s => s.Day);
        });
    }
}
